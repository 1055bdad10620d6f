"""Convert COCO annotation files to YOLO labels with Ultralytics' own converter.

    convert_with_ultralytics.py COCO_ANNOTATIONS_DIR OUT

Writes OUT/labels/<split>/... as ``ultralytics.data.converter.convert_coco`` does (boxes; class
id = category_id - 1). Ultralytics is AGPL-3.0: it only runs here, in its own environment.
"""

import json
import sys
import warnings

warnings.simplefilter("ignore")
from ultralytics.data.converter import convert_coco  # noqa: E402

annotations, out = sys.argv[1:]
convert_coco(labels_dir=annotations, save_dir=out, use_segments=False, cls91to80=False)
print(json.dumps({"written": out}))
