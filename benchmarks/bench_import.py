"""``labeler import`` of a big COCO dataset, beside a plain ``sqlite3`` transaction doing the same
inserts in the same run.

    python -m benchmarks.bench_import [--images 20000] [--boxes 100000] [--dir DIR]

The dataset is generated: small distinct PNG files (the project hashes and measures them first,
which is not timed) and one COCO instances file naming them, with ``--boxes`` boxes spread over the
images. The import runs as the command line runs it (``labeler import PROJECT FILE --format coco
--json``, in this process). The floor runs on a copy of the same project file, with the same
pragmas (WAL, ``synchronous=FULL``, foreign keys): one transaction of bare ``executemany`` calls
inserting the same annotation rows and their first history versions (ids made, geometry encoded as
JSON, from the boxes already in memory). A second floor adds what the import also writes: one
review action per image marked done and the images' counts and status.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import io
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from PIL import Image

from benchmarks import common
from labeler import cli
from labeler.formats import base, registry
from labeler.services import indexing
from labeler.services import project as project_mod

CLASSES = ("cat", "dog", "bird")
SIZE = (64, 48)


def make_images(folder: Path, count: int) -> list[str]:
    """``count`` small PNG files with distinct bytes, in sub-folders of 1,000; their names."""
    names = []
    for i in range(count):
        rel = f"part{i // 1000:03d}/{i:06d}.png"
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", SIZE, (i % 256, (i // 256) % 256, 77)).save(path, compress_level=1)
        names.append(rel)
    return names


def make_coco(path: Path, names: list[str], boxes: int) -> None:
    """A COCO instances file over the images in ``names`` with ``boxes`` boxes."""
    images = [
        {"id": n + 1, "file_name": name, "width": SIZE[0], "height": SIZE[1]}
        for n, name in enumerate(names)
    ]
    annotations = []
    for n in range(boxes):
        x, y = float(n % 37), float(n % 23)
        annotations.append(
            {
                "id": n + 1, "image_id": n % len(names) + 1, "category_id": n % len(CLASSES) + 1,
                "bbox": [x, y, 12.5, 9.25], "area": 12.5 * 9.25, "iscrowd": 0,
                "segmentation": [],
            }
        )  # fmt: skip
    categories = [{"id": i + 1, "name": c} for i, c in enumerate(CLASSES)]
    document = {"images": images, "annotations": annotations, "categories": categories}
    path.write_bytes(orjson.dumps(document))


def floor(project_file: Path, coco: Path, full: bool) -> float:
    """Seconds for one plain ``sqlite3`` transaction inserting the import's rows (and with
    ``full`` its review actions and image updates) into ``project_file``."""
    document = orjson.loads(coco.read_bytes())
    conn = sqlite3.connect(project_file, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    by_path = dict(conn.execute("SELECT rel_path, id FROM image"))
    classes = dict(conn.execute("SELECT name, id FROM label_class"))
    image_ids = {im["id"]: by_path[im["file_name"]] for im in document["images"]}
    category = {c["id"]: classes[c["name"]] for c in document["categories"]}
    start = time.perf_counter()
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")[:-6] + "Z"
    rows, history = [], []
    for a in document["annotations"]:
        x, y, w, h = a["bbox"]
        key, image, cls = str(uuid.uuid4()), image_ids[a["image_id"]], category[a["category_id"]]
        geometry = orjson.dumps({"x": x, "y": y, "w": w, "h": h}).decode()
        attributes = orjson.dumps({"crowd": False}).decode()
        rows.append((key, image, cls, "box", geometry, attributes, stamp, stamp))
        history.append((str(uuid.uuid4()), key, image, cls, geometry, attributes, stamp))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO annotation (id, image_id, class_id, kind, geometry, attributes, version, "
        "created_at, updated_at, author, revision, dirty, deleted) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, 'bench', NULL, 1, 0)",
        rows,
    )
    conn.executemany(
        "INSERT INTO annotation_history (id, annotation_id, image_id, version, op, class_id, "
        "kind, geometry, attributes, deleted, author, at) "
        "VALUES (?, ?, ?, 1, 'create', ?, 'box', ?, ?, 0, 'bench', ?)",
        history,
    )
    if full:
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[1]] = counts.get(row[1], 0) + 1
        conn.executemany(
            "INSERT INTO review_action (id, image_id, action, from_status, to_status, comment, "
            "created_at, updated_at, author, revision, dirty, deleted) "
            "VALUES (?, ?, 'status', 'in_progress', 'done', 'imported', ?, ?, 'bench', NULL, 1, 0)",
            [(str(uuid.uuid4()), image, stamp, stamp) for image in counts],
        )
        conn.executemany(
            "UPDATE image SET annotation_count = ?, status = 'done', status_by = 'bench', "
            "status_at = ?, updated_at = ?, dirty = 1 WHERE id = ?",
            [(n, stamp, stamp, image) for image, n in counts.items()],
        )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


@contextlib.contextmanager
def folder(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="labeler-bench-import-") as tmp:
        yield Path(tmp)


def run_import(project_file: Path, coco: Path) -> tuple[float, dict[str, Any]]:
    """``labeler import`` as the command line runs it; seconds and its ``--json`` answer."""
    cli.build_parser()  # the command's modules are loaded: start-up is not the import's cost
    out = io.StringIO()
    argv = ["--author", "bench", "import", str(project_file), str(coco), "--format", "coco"]
    with contextlib.redirect_stdout(out):
        start = time.perf_counter()
        code = cli.main([*argv, "--json"])
        elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"labeler import failed ({code}): {out.getvalue()}")
    return elapsed, orjson.loads(out.getvalue())


def prepare(work: Path, images: int, boxes: int) -> tuple[Path, Path]:
    """The dataset and an indexed project over its images (kept in ``work`` between runs)."""
    photos, coco = work / "photos", work / "instances.json"
    names_file = work / "names.txt"
    if names_file.exists() and len(names_file.read_text().split()) == images:
        names = names_file.read_text().split()
    else:
        shutil.rmtree(photos, ignore_errors=True)
        took, names = common.timed(lambda: make_images(photos, images))
        names_file.write_text("\n".join(names))
        print(f"generated {images:,} images in {took:.1f} s", file=sys.stderr)
    make_coco(coco, names, boxes)
    base_file = work / "indexed.labeler"
    if not base_file.exists():
        making = work / "making.labeler"
        with project_mod.create_project(making, classes=CLASSES, author="bench") as project:
            indexing.add_folder(project, photos)
            took, _ = common.timed(lambda: indexing.index_pending(project))
        print(f"indexed {images:,} images in {took:.1f} s", file=sys.stderr)
        making.rename(base_file)
    return coco, base_file


def measure(
    work: Path, coco: Path, base_file: Path, rounds: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Each measure ``rounds`` times, alternated (the machine is shared); and the import's
    answer."""

    def fresh(name: str) -> Path:
        path = work / f"{name}.labeler"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base_file, path)
        return path

    def read() -> float:
        gc.disable()  # as the import reads it (see importing._CollectorPause)
        try:
            return common.timed(lambda: registry.reader("coco").read(coco, base.Report()))[0]
        finally:
            gc.enable()

    runs: dict[str, list[float]] = {"labeler": [], "floor": [], "full": [], "read": []}
    answer: dict[str, Any] = {}
    for _ in range(rounds):
        took, answer = run_import(fresh("target"), coco)
        runs["labeler"].append(took)
        runs["floor"].append(floor(fresh("floor"), coco, full=False))
        runs["full"].append(floor(fresh("full"), coco, full=True))
        runs["read"].append(read())
    return runs, answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--boxes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="measures taken (best is shown)")
    parser.add_argument("--dir", type=Path, help="work here and keep the files (default: temp)")
    args = parser.parse_args(argv)
    with folder(args.dir) as work:
        coco, base_file = prepare(work, args.images, args.boxes)
        runs, answer = measure(work, coco, base_file, args.rounds)
    labeler_s, floor_s, full_s, read_s = (
        min(runs[k]) for k in ("labeler", "floor", "full", "read")
    )
    added = answer["annotations_added"]
    assert added == args.boxes, answer
    print(f"\n`labeler import` of {args.images:,} images / {added:,} boxes (COCO)\n")
    print(common.header())
    print(
        common.row(
            "labeler import (whole command)",
            f"{labeler_s:.2f} s",
            f"{floor_s:.2f} s: sqlite3 executemany, rows + history",
            f"{labeler_s / floor_s:.1f}×",
            "≤ 3×",
        )
    )
    print(
        common.row(
            "the same, beside a floor that also writes statuses and counts",
            f"{labeler_s:.2f} s",
            f"{full_s:.2f} s: rows + history + review actions + image updates",
            f"{labeler_s / full_s:.1f}×",
        )
    )
    print(common.row("of which: reading the COCO file (the reader alone)", f"{read_s:.2f} s"))
    print(
        "\nall runs (s): "
        + "; ".join(f"{k} " + ", ".join(f"{v:.2f}" for v in vs) for k, vs in runs.items())
    )
    print(
        f"\nimages marked done: {answer['images_marked_done']:,} per run; "
        f"peak RSS {common.peak_rss_mb():.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
