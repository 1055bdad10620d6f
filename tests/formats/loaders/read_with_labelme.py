"""Read every labelme JSON file under a folder with labelme's own LabelFile; or write them.

    read_with_labelme.py read FOLDER
    read_with_labelme.py resave FOLDER     (load each file and save it again with labelme)

Prints, per file: the image size labelme decodes (EXIF applied), flags and shapes.
"""

import io
import json
import os
import sys
import warnings

warnings.simplefilter("ignore")
import PIL.Image  # noqa: E402
from labelme import LabelFile  # noqa: E402

mode, folder = sys.argv[1:]
files = sorted(
    os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".json")
)
out = []
for path in files:
    if os.path.basename(path) == "manifest.json":
        continue
    lf = LabelFile(path)
    size = PIL.Image.open(io.BytesIO(lf.image_data)).size
    if mode == "resave":
        lf.save(
            path,
            shapes=lf.shapes,
            image_path=lf.image_path,
            image_height=size[1],
            image_width=size[0],
            flags=lf.flags,
        )
    shapes = [
        [s["label"], s["shape_type"], [[float(x), float(y)] for x, y in s["points"]]]
        for s in lf.shapes
    ]
    rel = os.path.relpath(path, folder).replace(os.sep, "/")
    out.append(
        {
            "file": rel,
            "image": lf.image_path,
            "size": list(size),
            "flags": lf.flags,
            "shapes": shapes,
        }
    )
print(json.dumps(out))
