"""Read a dataset with datumaro (or convert one); print items, boxes and polygons as JSON.

read_with_datumaro.py read FORMAT PATH
read_with_datumaro.py convert FORMAT PATH TO_FORMAT OUT
"""

import json
import sys
import warnings

warnings.simplefilter("ignore")
import datumaro as dm  # noqa: E402


def describe(ds):
    names = [c.name for c in ds.categories()[dm.AnnotationType.label]]
    items, boxes, polygons = [], [], []
    for item in ds:
        size = list(item.media.size) if getattr(item.media, "size", None) else None
        items.append([item.subset, item.id, size])
        for ann in item.annotations:
            if ann.type == dm.AnnotationType.bbox:
                x, y, w, h = ann.get_bbox()
                boxes.append([item.subset, item.id, names[ann.label], x, y, x + w, y + h])
            elif ann.type == dm.AnnotationType.polygon:
                polygons.append([item.subset, item.id, names[ann.label], list(ann.points)])
    return {
        "labels": names,
        "items": sorted(items),
        "boxes": sorted(boxes),
        "polygons": sorted(polygons),
    }


mode, fmt, path, *rest = sys.argv[1:]
ds = dm.Dataset.import_from(path, fmt)
if mode == "convert":
    to_format, out = rest
    ds.export(out, to_format, save_media=True)
    print(json.dumps({"written": out}))
else:
    print(json.dumps(describe(ds)))
