"""Indexing: names to first page, full index throughput beside the machine's limit, peak RSS.

    python -m benchmarks.bench_indexing [--images 10000] [--names 100000] [--names-only]

Generates (once, cached under benchmarks/out/) 10,000 distinct 1080p JPEGs and a folder of 100,000
distinct small files. The limit for a full index is SHA-256 of the same bytes plus Pillow's lazy
``open().size`` on the same files, on both cores (two processes), measured in the same run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from benchmarks import common


def make_jpegs(folder: Path, count: int) -> Path:
    marker = folder / f".done-{count}"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        list(pool.map(_one_jpeg, [(folder, i) for i in range(count)], chunksize=64))
    marker.touch()
    return folder


def _one_jpeg(arg: tuple[Path, int]) -> None:
    folder, i = arg
    path = folder / f"frame_{i:05d}.jpg"
    if path.exists():
        return
    # Noise over a gradient gives realistic JPEG sizes (~0.5 MB); the index makes every file distinct.
    base = Image.linear_gradient("L").resize((1920, 1080)).convert("RGB")
    noise = Image.effect_noise((1920, 1080), 40 + i % 20).convert("RGB")
    img = Image.blend(base, noise, 0.35)
    img.putpixel((i % 1920, (i // 1920) % 1080), (i % 256, 0, 0))
    img.save(path, quality=85)


def make_names(folder: Path, count: int) -> Path:
    marker = folder / f".done-{count}"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        sub = folder / f"batch_{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(exist_ok=True)
        (sub / f"img_{i}.jpg").write_bytes(i.to_bytes(8, "little") * 4)
    marker.touch()
    return folder


def _limit_worker(paths: list[str]) -> int:
    total = 0
    for p in paths:
        with open(p, "rb") as fh:
            hashlib.file_digest(fh, "sha256")
        with Image.open(p) as im:
            total += im.size[0]
    return total


def machine_limit(folder: Path) -> float:
    """Seconds for SHA-256 + Pillow lazy size over all files, split over two processes."""
    paths = sorted(str(p) for p in folder.glob("*.jpg"))
    halves = [paths[0::2], paths[1::2]]
    seconds, _ = common.timed(
        lambda: list(concurrent.futures.ProcessPoolExecutor(2).map(_limit_worker, halves))
    )
    return seconds


CHILD = """
import json, sys, time
from labeler.services import images, indexing, project
from benchmarks import common
p = project.create_project(sys.argv[1], author="bench")
first = {}
def first_page():
    # What the app does once the first names are committed: list the first page.
    first["page"] = len(images.list_images(p, limit=100))
    first["t"] = time.perf_counter() - t0
t0 = time.perf_counter()
indexing.add_folder(p, sys.argv[2], on_first_page=first_page)
t_all = time.perf_counter() - t0
t1 = time.perf_counter()
result = indexing.index_pending(p) if sys.argv[3] == "index" else None
t_index = time.perf_counter() - t1
print(json.dumps({"first_page": first["t"], "all_names": t_all, "index": t_index,
                  "rss": common.peak_rss_mb(), "page": first["page"]}))
"""


LIMIT_CHILD = """
import json, os, sqlite3, sys, time
from labeler.services import project
p = project.create_project(sys.argv[1], author="bench")
p.close()
# The floor of storing names: walk the folder and insert one row per file into the very same
# table (same indexes, WAL, synchronous=FULL), ids and sort keys given, nothing computed.
t0 = time.perf_counter()
names, stack = [], [""]
while stack:
    rel = stack.pop()
    with os.scandir(os.path.join(sys.argv[2], rel)) as it:
        for e in it:
            child = f"{rel}/{e.name}" if rel else e.name
            (stack if e.is_dir(follow_symlinks=False) else names).append(child)
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA synchronous=FULL")
c.execute("INSERT INTO image_root (id, path, sort_order, added_at) VALUES ('r', 'x', 0, 'now')")
c.executemany(
    "INSERT INTO image (id, root_id, root_order, rel_path, sort_key, orientation, missing, "
    "indexed, status, annotation_count, created_at, updated_at, author, dirty, deleted) "
    "VALUES (?, 'r', 0, ?, ?, 1, 0, 0, 'new', 0, 'now', 'now', 'me', 1, 0)",
    [(f"{n:036d}", name, name) for n, name in enumerate(names)],
)
c.commit()
print(json.dumps({"limit": time.perf_counter() - t0, "names": len(names)}))
"""


def names_limit(folder: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LABELER_DATA_DIR=tmp)
        out = subprocess.run(
            [sys.executable, "-c", LIMIT_CHILD, f"{tmp}/limit.labeler", str(folder)],
            capture_output=True, text=True, check=True, env=env, cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    return float(json.loads(out.stdout.strip().splitlines()[-1])["limit"])


def run_child(folder: Path, mode: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LABELER_DATA_DIR=tmp)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, f"{tmp}/bench.labeler", str(folder), mode],
            capture_output=True, text=True, check=True, env=env, cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--names-only", action="store_true", help="skip the JPEG measures")
    args = parser.parse_args()
    names = make_names(common.OUT / f"names-{args.names}", args.names)
    # Alternated, best of three each: the limit and labeler see the same machine state.
    listings, limits = [], []
    for _ in range(3):
        limits.append(names_limit(names))
        listings.append(run_child(names, "list"))
    listing = min(listings, key=lambda r: r["all_names"])
    floor = min(limits)
    print(common.header())
    print(
        common.row(
            f"folder of {args.names:,} files: first page of names stored and listed",
            f"{listing['first_page']:.2f} s", "", "", "< 1 s",
        )
    )  # fmt: skip
    print(
        common.row(
            f"folder of {args.names:,} files: all names stored",
            f"{listing['all_names']:.2f} s", f"{floor:.2f} s",
            f"{listing['all_names'] / floor:.1f}×", "< 1 s",
        )
    )  # fmt: skip
    print(
        common.row(
            f"peak RSS listing {args.names:,} names", f"{listing['rss']:.0f} MB", "", "", "< 200 MB"
        )
    )
    if args.names_only:
        return
    jpegs = make_jpegs(common.OUT / f"jpeg1080-{args.images}", args.images)
    total_bytes = sum(p.stat().st_size for p in jpegs.glob("*.jpg"))

    machine_limit(jpegs)  # warm the page cache so both sides read from memory
    limit = machine_limit(jpegs)
    full = run_child(jpegs, "index")

    rate = args.images / full["index"]
    limit_rate = args.images / limit
    print(
        common.row(
            f"names of {args.images:,} 1080p JPEGs, first page",
            f"{full['first_page'] * 1000:.0f} ms",
        )
    )
    print(common.row(
        f"full index (hash + header) of {args.images:,} 1080p JPEGs ({total_bytes / 1e9:.1f} GB)",
        f"{rate:,.0f} img/s", f"{limit_rate:,.0f} img/s", f"{rate / limit_rate:.0%}", "≥ 70%",
    ))  # fmt: skip
    print(common.row("peak RSS while indexing", f"{full['rss']:.0f} MB", "", "", "< 200 MB"))


if __name__ == "__main__":
    main()
