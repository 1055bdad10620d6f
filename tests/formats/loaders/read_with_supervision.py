"""Read a dataset with Roboflow's supervision; print images, boxes and classes as JSON.

read_with_supervision.py coco IMAGES ANNOTATIONS.json
read_with_supervision.py yolo IMAGES LABELS DATA.yaml
read_with_supervision.py voc IMAGES ANNOTATIONS_DIR
read_with_supervision.py write-yolo|write-voc|write-coco COCO_IMAGES COCO.json OUT
"""

import json
import os
import sys
import warnings

warnings.simplefilter("ignore")
import supervision as sv  # noqa: E402


def load(kind, args):
    if kind == "coco":
        return sv.DetectionDataset.from_coco(args[0], args[1], force_masks=False)
    if kind == "yolo":
        return sv.DetectionDataset.from_yolo(args[0], args[1], args[2])
    if kind == "voc":
        return sv.DetectionDataset.from_pascal_voc(args[0], args[1])
    raise SystemExit(f"unknown kind {kind}")


def describe(ds, root):
    boxes = []
    images = []
    for path in ds.image_paths:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        images.append(rel)
        det = ds.annotations[path]
        for xyxy, cid in zip(det.xyxy.tolist(), det.class_id.tolist(), strict=True):
            boxes.append([rel, ds.classes[int(cid)], *[float(v) for v in xyxy]])
    return {"classes": list(ds.classes), "images": sorted(images), "boxes": sorted(boxes)}


kind, *rest = sys.argv[1:]
if kind.startswith("write-"):
    ds = load(rest[0], rest[1:-1])
    out = rest[-1]
    target = kind.removeprefix("write-")
    if target == "yolo":
        ds.as_yolo(f"{out}/images/train", f"{out}/labels/train", f"{out}/data.yaml")
    elif target == "voc":
        ds.as_pascal_voc(f"{out}/JPEGImages", f"{out}/Annotations")
    else:
        ds.as_coco(f"{out}/images", f"{out}/annotations/instances_train.json")
    print(json.dumps({"written": out}))
else:
    print(json.dumps(describe(load(kind, rest), rest[0])))
