"""Check a YOLO dataset with Ultralytics' own checker and read it with its dataset loader.

    read_with_ultralytics.py DATA.yaml detect|segment

Prints, per split, each image's file, size (h, w) and labels denormalized to pixels. Ultralytics
is AGPL-3.0: it is only run here, in its own environment, never imported by labeler.
"""

import json
import sys
import warnings

warnings.simplefilter("ignore")
from ultralytics.cfg import get_cfg  # noqa: E402
from ultralytics.data.dataset import YOLODataset  # noqa: E402
from ultralytics.data.utils import check_det_dataset  # noqa: E402

yaml_path, task = sys.argv[1:]
data = check_det_dataset(yaml_path)
out = {"names": {str(k): v for k, v in data["names"].items()}, "nc": data["nc"], "splits": {}}
for split in ("train", "val", "test"):
    if not data.get(split):
        continue
    ds = YOLODataset(
        img_path=data[split], data=data, task=task, augment=False, hyp=get_cfg(), cache=False
    )
    rows = []
    for lb in ds.labels:
        h, w = lb["shape"]
        boxes = []
        for cls, (cx, cy, bw, bh) in zip(
            lb["cls"].reshape(-1).tolist(), lb["bboxes"].tolist(), strict=True
        ):
            boxes.append(
                [
                    int(cls),
                    (cx - bw / 2) * w,
                    (cy - bh / 2) * h,
                    (cx + bw / 2) * w,
                    (cy + bh / 2) * h,
                ]
            )
        segments = [[[x * w, y * h] for x, y in seg.tolist()] for seg in lb.get("segments", [])]
        rows.append({"file": lb["im_file"], "shape": [h, w], "boxes": boxes, "segments": segments})
    out["splits"][split] = rows
print(json.dumps(out))
