"""Export from a project: 100,000 objects over 10,000 images to COCO and YOLO, beside the limit.

    python -m benchmarks.export_formats [--images 10000] [--per-image 10] [--repeat 3]

Builds (once, cached under ``benchmarks/out/``) a real project file: a folder of distinct tiny
JPEGs added and indexed the way the app does it, and ``--per-image`` annotations per image (20
classes, 4 boxes to 1 eight-point polygon) inserted with ``executemany``, every image done. Then
times ``exporting.export_project`` to COCO and to YOLO (``ImageMode.NONE``, so the figures are the
annotation work alone), best of ``--repeat``.

Limits, measured in the same run:

* COCO: reading the same rows with the ``sqlite3`` module (the exported images and their live
  annotations, in export order) plus ``orjson.dumps`` of the very documents labeler wrote and
  writing their bytes.
* YOLO: writing the same number of small files with the very bytes labeler wrote.

Target: COCO under 1 s and within 3× its limit. A breakdown (reading samples from the project,
the writer alone on those samples) follows, to tell reading from writing.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import orjson
from PIL import Image

from benchmarks import common
from labeler.domain import ids
from labeler.formats import base, coco, export, writing, yolo
from labeler.services import exporting, indexing
from labeler.services import project as project_mod

CLASSES = tuple(f"class_{i:02d}" for i in range(20))
W, H = 64, 48  # tiny files (fast to make and index); coordinates are scaled to them
STAMP = "2026-01-01T00:00:00.000000Z"


# --------------------------------------------------------------------------- the project


def make_images(folder: Path, count: int) -> Path:
    """``count`` distinct tiny JPEGs (cached: a marker file says the folder is complete)."""
    marker = folder / f".done-{count}"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        img = Image.new("RGB", (W, H), ((i * 37) % 256, (i * 91) % 256, 77))
        for bit in range(16):  # the index in black and white blocks: every file's bytes differ
            shade = 255 if (i >> bit) & 1 else 0
            img.paste((shade, shade, shade), (bit * 4, 0, bit * 4 + 4, 4))
        img.save(folder / f"img_{i:06d}.jpg", quality=90)
    marker.touch()
    return folder


def _geometry(rng: random.Random, polygon: bool) -> str:
    x, y = rng.uniform(0, W - 12), rng.uniform(0, H - 10)
    if polygon:
        pts = [[x + rng.uniform(0, 10), y + rng.uniform(0, 8)] for _ in range(8)]
        return orjson.dumps({"points": pts}).decode()
    box = {"x": x, "y": y, "w": rng.uniform(1, 10), "h": rng.uniform(1, 8)}
    return orjson.dumps(box).decode()


def make_project(out: Path, images: int, per_image: int) -> Path:
    """The cached project file with ``images`` done images and ``per_image`` objects on each."""
    path = out / f"export-{images}x{per_image}.labeler"
    if path.exists():
        return path
    folder = make_images(out / f"export-images-{images}", images)
    partial = path.with_name(path.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    with project_mod.create_project(
        partial, name="export bench", classes=CLASSES, author="bench"
    ) as project:
        indexing.add_folder(project, folder)
        indexing.index_pending(project)
    rng = random.Random(0)
    with sqlite3.connect(partial) as db:
        class_ids = [r[0] for r in db.execute("SELECT id FROM label_class ORDER BY sort_order")]
        image_ids = [r[0] for r in db.execute("SELECT id FROM image ORDER BY sort_key")]
        rows = []
        for image_id in image_ids:
            for j in range(per_image):
                polygon = j % 5 == 4
                rows.append(
                    (
                        *(ids.new_id(), image_id, rng.choice(class_ids)),
                        *("polygon" if polygon else "box", _geometry(rng, polygon)),
                        *(STAMP, STAMP),
                    )
                )
        db.executemany(
            "INSERT INTO annotation (id, image_id, class_id, kind, geometry, attributes, version,"
            " created_at, updated_at, author, dirty, deleted)"
            " VALUES (?, ?, ?, ?, ?, '{}', 1, ?, ?, 'bench', 1, 0)",
            rows,
        )
        db.execute("UPDATE image SET status = 'done', annotation_count = ?", (per_image,))
    with sqlite3.connect(partial) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------- measuring


def best(repeat: int, work: Callable[[Path], object], scratch: Path) -> float:
    """Best time of ``work(fresh_folder)`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        folder = Path(tempfile.mkdtemp(dir=scratch))
        seconds, _ = common.timed(lambda folder=folder: work(folder))  # type: ignore[misc]
        times.append(seconds)
        shutil.rmtree(folder)
    return min(times)


_IMAGES = (
    "SELECT i.id, r.path, i.rel_path, i.width, i.height, i.sha256, i.orientation, i.status,"
    " i.missing, i.problem, i.problem_detail FROM image i JOIN image_root r ON r.id = i.root_id"
    " WHERE i.status IN ('done', 'approved') ORDER BY i.root_order, i.sort_key"
)
_ANNOTATIONS = (  # the statement labeler runs, so both read exactly the same rows the same way
    "SELECT a.image_id, a.class_id, a.kind, a.geometry, a.attributes"
    " FROM image AS i CROSS JOIN annotation AS a ON a.image_id = i.id"
    " WHERE a.deleted = 0 AND i.status IN ('done', 'approved')"
    " ORDER BY i.root_order, i.sort_key, i.id, a.created_at, a.id"
)


def read_rows(path: Path) -> int:
    """The rows an export needs (images, then their live annotations), read with ``sqlite3``."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return len(db.execute(_IMAGES).fetchall()) + len(db.execute(_ANNOTATIONS).fetchall())


def export_to(project: project_mod.Project, fmt: str) -> Callable[[Path], object]:
    options = export.ExportOptions(
        images=base.ImageMode.NONE, task="detect" if fmt == "yolo" else None
    )
    return lambda f: exporting.export_project(project, format=fmt, out=f / "out", options=options)


def measure_coco(
    project: project_mod.Project, repeat: int, scratch: Path
) -> dict[str, float | int]:
    sample_out = scratch / "coco-sample"
    export_to(project, "coco")(sample_out)
    docs = {
        p.name: orjson.loads(p.read_bytes()) for p in (sample_out / "out").glob("annotations/*")
    }
    objects = sum(len(d["annotations"]) for d in docs.values())

    def limit(folder: Path) -> None:
        with writing.gc_paused():  # the best plain Python does: no collector passes either
            read_rows(project.path)
            for name, doc in docs.items():
                (folder / name).write_bytes(orjson.dumps(doc))

    return {
        "export": best(repeat, export_to(project, "coco"), scratch),
        "limit": best(repeat, limit, scratch),
        "objects": objects,
        "images": sum(len(d["images"]) for d in docs.values()),
    }


def write_files(files: dict[str, bytes], folder: Path) -> None:
    for parent in {(folder / rel).parent for rel in files}:
        parent.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        (folder / rel).write_bytes(data)


def measure_yolo(
    project: project_mod.Project, repeat: int, scratch: Path
) -> dict[str, float | int]:
    sample_out = scratch / "yolo-sample"
    export_to(project, "yolo")(sample_out)
    root = sample_out / "out"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.txt")}
    return {
        "export": best(repeat, export_to(project, "yolo"), scratch),
        "limit": best(repeat, lambda f: write_files(files, f), scratch),
        "files": len(files),
    }


def measure_parts(project: project_mod.Project, repeat: int, scratch: Path) -> dict[str, float]:
    """Reading the samples from the project, and each writer alone on them."""
    classes = [f"class_{i:02d}" for i in range(20)]
    report = base.Report()
    items = [
        base.Sample(s.image, s.labels, ("train", "val", "test")[i % 10 // 8])
        for i, s in enumerate(exporting.samples(project, export.ExportOptions().statuses, report))
    ]
    coco_writer, yolo_writer = coco.WRITER, yolo.WRITER
    assert coco_writer is not None and yolo_writer is not None
    coco_opts = base.WriteOptions(classes=classes, images=base.ImageMode.NONE)
    yolo_opts = base.WriteOptions(classes=classes, images=base.ImageMode.NONE, task="detect")
    statuses = export.ExportOptions().statuses
    return {
        "read": best(
            repeat, lambda f: list(exporting.samples(project, statuses, base.Report())), scratch
        ),
        "coco_writer": best(
            repeat, lambda f: coco_writer.write(items, f, coco_opts, base.Report()), scratch
        ),
        "yolo_writer": best(
            repeat, lambda f: yolo_writer.write(items, f, yolo_opts, base.Report()), scratch
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--per-image", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    common.OUT.mkdir(parents=True, exist_ok=True)
    made, path = common.timed(lambda: make_project(common.OUT, args.images, args.per_image))
    scratch = Path(tempfile.mkdtemp(prefix="export-bench-", dir=common.OUT))
    try:
        with project_mod.open_project(path, author="bench") as project:
            c = measure_coco(project, args.repeat, scratch)
            y = measure_yolo(project, args.repeat, scratch)
            parts = measure_parts(project, args.repeat, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def line(name: str, value: float, limit: float, note: str = "", target: str = "") -> str:
        return common.row(
            name, f"{value:.3f} s", f"{limit:.3f} s{note}", f"{value / limit:.1f}×", target
        )

    print(f"project {path.name} (built in {made:.1f} s; cached after the first run)")
    print(f"{c['objects']:,} objects over {c['images']:,} images, best of {args.repeat}\n")
    print(common.header())
    limit_note = " (sqlite3 read + orjson + write)"
    print(line("COCO export from the project", c["export"], c["limit"], limit_note, "< 1 s, ≤ 3×"))
    files = f" ({y['files']:,} small files)"
    print(line("YOLO detect export from the project", y["export"], y["limit"], files))
    print(common.row("  reading samples from the project", f"{parts['read']:.3f} s"))
    print(common.row("  COCO writer alone on those samples", f"{parts['coco_writer']:.3f} s"))
    print(common.row("  YOLO writer alone on those samples", f"{parts['yolo_writer']:.3f} s"))


if __name__ == "__main__":
    main()
