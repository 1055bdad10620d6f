"""The desktop app at scale: open → first image painted, process start → idle, RSS.

    python -m benchmarks.bench_app [--images 10000] [--names 100000]

Uses the 10,000 generated 1080p JPEGs of ``bench_indexing`` (made if missing) and a folder of
100,000 distinct small JPEGs. Each measure runs in a fresh process, offscreen, timed from the call
the user's action makes (opening the project) to the first image painted on the canvas, as the
labelme and labelImg anchors were measured. The raw Pillow decode of the same first image, timed in
the same process, is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from benchmarks import bench_indexing, common

CHILD = r"""
import json, os, resource, sys, time
t_start = float(sys.argv[2])
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PIL import Image
from PySide6 import QtCore, QtWidgets
from ui import app as app_mod
from labeler.services import project as project_svc
qapp = app_mod.application()
t0 = time.perf_counter()
project = project_svc.open_project(sys.argv[1], author="bench")
bench = app_mod.Workbench(project)
bench.start()
w = bench.window
while not (w.current.image_id and w.canvas.image_id() == w.current.image_id):
    qapp.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
w.canvas.viewport().repaint()
t_first = time.perf_counter() - t0
since_start = time.time() - t_start
first = w.current.image
d0 = time.perf_counter()
with Image.open(first.abs_path) as im:
    im.load()
raw = time.perf_counter() - d0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"first": t_first, "since_start": since_start, "raw": raw, "rss": rss}))
bench.window.close()
bench.close()
"""


def small_jpegs(folder: Path, count: int) -> Path:
    marker = folder / f".done-{count}"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        sub = folder / f"batch_{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        Image.new("RGB", (32, 24), (i % 256, (i // 256) % 256, (i // 65536) % 256)).save(
            sub / f"img_{i}.jpg", quality=90
        )
    marker.touch()
    return folder


def project_for(folder: Path, path: Path, index: bool) -> Path:
    from labeler.services import indexing, project

    if path.exists():
        return path
    with project.create_project(path, classes=["a", "b", "c"], author="bench") as p:
        indexing.add_folder(p, folder)
        if index:
            indexing.index_pending(p)
    return path


def run_app(project_path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LABELER_DATA_DIR=tmp, XDG_CONFIG_HOME=tmp)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(project_path), repr(time.time())],
            capture_output=True, text=True, check=True, env=env, cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    jpegs = bench_indexing.make_jpegs(common.OUT / f"jpeg1080-{args.images}", args.images)
    small = small_jpegs(common.OUT / f"small-{args.names}", args.names)
    big_project = project_for(jpegs, common.OUT / f"app-{args.images}.labeler", index=True)
    huge_project = project_for(small, common.OUT / f"app-{args.names}.labeler", index=False)
    rows = []
    for label, path, target in (
        (f"{args.images:,} 1080p images", big_project, 0.3),
        (f"{args.names:,} small images (not indexed yet)", huge_project, 0.5),
    ):
        runs = [run_app(path) for _ in range(args.runs)]
        best = min(runs, key=lambda r: r["first"])
        rows.append((label, best, target))
    print(common.header())
    for label, r, target in rows:
        print(common.row(f"open {label} → first image painted", f"{r['first']:.2f} s",
                         f"raw decode {r['raw'] * 1000:.0f} ms", "", f"≤ {target} s"))  # fmt: skip
        print(common.row(f"process start → first image painted ({label})", f"{r['since_start']:.2f} s", "", "", "≤ 1.5 s"))  # fmt: skip
        print(common.row(f"peak RSS with {label} open", f"{r['rss']:.0f} MB", "", "", "≤ 200 MB"))


if __name__ == "__main__":
    main()
