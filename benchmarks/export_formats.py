"""Export: 100,000 objects over 10,000 images to COCO and YOLO, beside the machine's limit.

    python -m benchmarks.export_formats [--images 10000] [--per-image 10] [--repeat 3]

Samples are synthetic (1920×1080, 20 classes, 4 boxes to 1 eight-point polygon) and no image
files are written (``ImageMode.NONE``), so the figures are the annotation work alone. Limits,
measured in the same run on the same output: for COCO, ``orjson.dumps`` of the very documents
labeler wrote plus writing the bytes; for YOLO, writing the same number of small files with the
very bytes labeler wrote. Each figure is the best of ``--repeat`` runs. Target: the COCO writer
under 1 s and within 3× its limit. A reference row shows the least any Python writer does (one
dict per object, then orjson), to tell labeler's own overhead from the cost of Python objects.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import orjson

from benchmarks import common
from labeler.domain import geometry as geo
from labeler.formats import base, coco, export, yolo

CLASSES = tuple(f"class_{i:02d}" for i in range(20))
W, H = 1920, 1080


def make_samples(images: int, per_image: int, seed: int = 0) -> list[base.Sample]:
    rng = random.Random(seed)
    samples = []
    for i in range(images):
        labels = []
        for j in range(per_image):
            x, y = rng.uniform(0, W - 120), rng.uniform(0, H - 80)
            name = rng.choice(CLASSES)
            if j % 5 == 4:
                pts = tuple((x + rng.uniform(0, 100), y + rng.uniform(0, 70)) for _ in range(8))
                labels.append(base.Label(name, geo.ShapeKind.POLYGON, geo.Polygon(pts)))
            else:
                box = geo.Box(x, y, rng.uniform(4, 100), rng.uniform(4, 70))
                labels.append(base.Label(name, geo.ShapeKind.BOX, box))
        image = base.DatasetImage(
            key=f"id-{i}", rel_path=f"img_{i:06d}.jpg", width=W, height=H, sha256=f"{i:064x}"
        )
        samples.append(base.Sample(image, tuple(labels), ("train", "val", "test")[i % 10 // 8]))
    return samples


def best(repeat: int, work: Callable[[Path], object], scratch: Path) -> float:
    """Best time of ``work(fresh_folder)`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        folder = Path(tempfile.mkdtemp(dir=scratch))
        seconds, _ = common.timed(lambda folder=folder: work(folder))  # type: ignore[misc]
        times.append(seconds)
        shutil.rmtree(folder)
    return min(times)


def write_files(files: dict[str, bytes], folder: Path) -> None:
    for parent in {(folder / rel).parent for rel in files}:
        parent.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        (folder / rel).write_bytes(data)


def coco_python_floor(samples: list[base.Sample], folder: Path) -> None:
    """The least any Python writer does: one dict per object from the samples, then orjson
    (with the garbage collector paused, as labeler's writers do)."""
    anns: list[dict[str, object]] = []
    with export.gc_paused():
        for image_id, sample in enumerate(samples, 1):
            for label in sample.labels:
                g = label.geometry
                ann: dict[str, object] = {"id": len(anns) + 1, "image_id": image_id}
                if isinstance(g, geo.Box):
                    ann["bbox"], ann["area"] = [g.x, g.y, g.w, g.h], g.w * g.h
                elif isinstance(g, geo.Polygon):
                    ann["segmentation"] = [[c for p in g.points for c in p]]
                anns.append(ann)
    (folder / "floor.json").write_bytes(orjson.dumps({"annotations": anns}))


def measure_coco(samples: list[base.Sample], repeat: int, scratch: Path) -> dict[str, float]:
    writer = coco.WRITER
    assert writer is not None
    options = base.WriteOptions(classes=CLASSES, images=base.ImageMode.NONE)
    sample_out = scratch / "coco-sample"
    writer.write(samples, sample_out, options, base.Report())
    docs = {p.name: orjson.loads(p.read_bytes()) for p in sample_out.glob("annotations/*")}

    def limit(folder: Path) -> None:
        for name, doc in docs.items():
            (folder / name).write_bytes(orjson.dumps(doc))

    return {
        "writer": best(repeat, lambda f: writer.write(samples, f, options, base.Report()), scratch),
        "limit": best(repeat, limit, scratch),
        "floor": best(repeat, lambda f: coco_python_floor(samples, f), scratch),
        "export": best(repeat, full_export(samples, "coco"), scratch),
    }


def measure_yolo(samples: list[base.Sample], repeat: int, scratch: Path) -> dict[str, float]:
    writer = yolo.WRITER
    assert writer is not None
    options = base.WriteOptions(classes=CLASSES, images=base.ImageMode.NONE, task="detect")
    sample_out = scratch / "yolo-sample"
    writer.write(samples, sample_out, options, base.Report())
    files = {
        p.relative_to(sample_out).as_posix(): p.read_bytes() for p in sample_out.rglob("*.txt")
    }
    return {
        "writer": best(repeat, lambda f: writer.write(samples, f, options, base.Report()), scratch),
        "limit": best(repeat, lambda f: write_files(files, f), scratch),
        "files": len(files),
        "export": best(repeat, full_export(samples, "yolo"), scratch),
    }


def full_export(samples: list[base.Sample], fmt: str) -> Callable[[Path], object]:
    options = export.ExportOptions(
        images=base.ImageMode.NONE, task="detect" if fmt == "yolo" else None
    )
    return lambda f: export.export_dataset(
        samples, format=fmt, out=f / "out", options=options, project_classes=CLASSES
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--per-image", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    samples = make_samples(args.images, args.per_image)
    objects = sum(len(s.labels) for s in samples)
    common.OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="export-bench-", dir=common.OUT))
    try:
        c = measure_coco(samples, args.repeat, scratch)
        y = measure_yolo(samples, args.repeat, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def line(name: str, value: float, limit: float, note: str = "", target: str = "") -> str:
        return common.row(
            name, f"{value:.3f} s", f"{limit:.3f} s{note}", f"{value / limit:.1f}×", target
        )

    print(f"{objects:,} objects over {len(samples):,} images, best of {args.repeat}\n")
    print(common.header())
    print(line("COCO writer", c["writer"], c["limit"], " (orjson + write)", "< 1 s and ≤ 3×"))
    print(line("COCO export (filter, split, manifest, checksums)", c["export"], c["limit"]))
    print(line("reference: bare Python dict per object + orjson", c["floor"], c["limit"]))
    files = f" ({y['files']:,} small files)"
    print(line("YOLO detect writer", y["writer"], y["limit"], files))
    print(line("YOLO export (filter, split, manifest, checksums)", y["export"], y["limit"]))


if __name__ == "__main__":
    main()
