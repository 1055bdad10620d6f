"""The image loader alone: next image (prefetched and cold) and 12 MP screen-sized, into a bare widget.

These time the loader and a bare widget, not what the user waits for: the app's own switch (key
press, controllers, database reads, canvas, panels) is timed by ``benchmarks/bench_e2e.py``.

    python -m benchmarks.gui_images [--images 100] [--rounds 3]

Generates (once, cached under benchmarks/out/) 100 distinct 1080p JPEGs and one 12 MP JPEG with
photo-like content. Each figure is measured in-process from the request (the user's "next image")
to a painted frame of a widget drawing the picture scaled to its full size, offscreen, and is
printed beside the raw Pillow decode of the same files in the same run (``Image.open().load()``,
the machine's limit for the same work).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image as PILImage
from PIL import ImageFilter

from PySide6 import QtCore, QtGui, QtWidgets

from benchmarks import common
from labeler.domain import image as image_mod
from labeler.domain import status
from labeler.imaging import decode
from ui import tasks
from ui.images import loader as loader_mod

SCREEN = QtCore.QSize(1920, 1080)
SIZE = (SCREEN.width(), SCREEN.height())


def _photo_like(size: tuple[int, int], seed: int) -> PILImage.Image:
    """Smooth gradients plus fine noise: compresses like a photo (≈ 0.5 MB per 1080p at q90)."""
    w, h = size
    base = PILImage.linear_gradient("L").resize((w, h))
    other = base.transpose(PILImage.Transpose.ROTATE_90).resize((w, h))
    noise = PILImage.effect_noise((w // 4, h // 4), 40 + seed % 20).resize((w, h))
    noise = noise.filter(ImageFilter.GaussianBlur(1))
    return PILImage.merge("RGB", (base, other, noise))


def make_images(folder: Path, count: int) -> tuple[list[Path], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"frame_{i:03d}.jpg" for i in range(count)]
    for i, path in enumerate(paths):
        if not path.exists():
            _photo_like((1920, 1080), i).save(path, quality=90)
    big = folder / "photo_12mp.jpg"
    if not big.exists():
        _photo_like((4000, 3000), 7).save(big, quality=90)
    return paths, big


def record(path: Path) -> image_mod.Image:
    return image_mod.Image(
        id=path.stem,
        root_id="bench",
        rel_path=path.name,
        root_path=str(path.parent),
        status=status.ImageStatus.NEW,
    )


class Screen(QtWidgets.QWidget):
    """Draws the picture it was given scaled to the widget, as a canvas would."""

    def __init__(self) -> None:
        super().__init__()
        self.picture = QtGui.QPixmap()

    def show_picture(self, _image_id: str, picture: QtGui.QImage, _size: QtCore.QSize) -> None:
        self.picture = QtGui.QPixmap.fromImage(picture)
        self.repaint()  # synchronous: returns once the frame is painted

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        if not self.picture.isNull():
            painter.drawPixmap(self.rect(), self.picture)
        painter.end()


def time_request(
    loader: loader_mod.ImageLoader,
    image: image_mod.Image,
    neighbours: list[image_mod.Image],
) -> float:
    """Seconds from ``request`` to the painted frame of ``image``."""
    done: list[float] = []
    loop = QtCore.QEventLoop()

    def on_loaded(image_id: str, *_args: object) -> None:
        if image_id == image.id:
            done.append(time.perf_counter())
            loop.quit()

    loader.loaded.connect(on_loaded)  # connected after the screen: fires once it has painted
    start = time.perf_counter()
    loader.request(image, neighbours)
    if not done:
        loop.exec()  # blocks in Qt like the app does, leaving the GIL to the decoders
    loader.loaded.disconnect(on_loaded)
    return done[0] - start


def settle(runner: tasks.TaskRunner) -> None:
    """Let the prefetch finish, as it does while the user looks at the picture."""
    # The loader starts decoding ahead once the frame is painted: let that event through first.
    QtCore.QCoreApplication.processEvents()
    if runner.pending:
        loop = QtCore.QEventLoop()
        runner.idle.connect(loop.quit)
        loop.exec()
        runner.idle.disconnect(loop.quit)


def raw_decode(path: Path, draft: tuple[int, int] | None = None) -> float:
    start = time.perf_counter()
    with PILImage.open(path) as im:
        if draft is not None:
            im.draft("RGB", draft)
        im.load()
    return time.perf_counter() - start


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.fmean(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure_1080p(
    runner: tasks.TaskRunner, screen: Screen, paths: list[Path]
) -> dict[str, list[float]]:
    """Cold and prefetched next-image latencies, with the raw decode of the same files."""
    records = [record(p) for p in paths]
    for p in paths:  # warm the page cache: both sides then read from memory
        p.read_bytes()

    # Cold: nothing prefetched, nothing cached. Each request is timed right after the raw decode
    # of the same file, so a busy moment on a shared machine hits both sides alike.
    cold_loader = loader_mod.ImageLoader(runner, cache_bytes=0)
    cold_loader.set_target_size(SCREEN)
    cold_loader.loaded.connect(screen.show_picture)
    out: dict[str, list[float]] = {"raw": [], "plain": [], "cold": [], "warm": []}
    for p, r in zip(paths, records, strict=True):
        out["raw"].append(raw_decode(p))
        out["plain"].append(
            common.timed(functools.partial(decode.decode, p, target=SIZE, orientation=1))[0]
        )
        out["cold"].append(time_request(cold_loader, r, []))

    # Prefetched: the next two and the previous one are decoded while the user works.
    warm_loader = loader_mod.ImageLoader(runner)
    warm_loader.set_target_size(SCREEN)
    warm_loader.loaded.connect(screen.show_picture)
    for i, r in enumerate(records):
        around = records[i + 1 : i + 3] + records[max(0, i - 1) : i]
        elapsed = time_request(warm_loader, r, around)
        if i > 0:
            out["warm"].append(elapsed)
        settle(runner)
    return out


def measure_12mp(
    runner: tasks.TaskRunner, screen: Screen, big: Path, rounds: int
) -> tuple[float, float, float, decode.Decoded]:
    """Best screen-sized request → painted time, beside Pillow's full and DCT-scaled decodes."""
    big_raw = min(raw_decode(big) for _ in range(rounds))
    big_draft = min(raw_decode(big, SIZE) for _ in range(rounds))
    times = []
    for _ in range(rounds):
        loader = loader_mod.ImageLoader(runner, cache_bytes=0)
        loader.set_target_size(SCREEN)
        loader.loaded.connect(screen.show_picture)
        times.append(time_request(loader, record(big), []))
    return min(times), big_raw, big_draft, decode.decode(big, target=SIZE)


def report(
    paths: list[Path],
    m: dict[str, list[float]],
    big: tuple[float, float, float, decode.Decoded],
) -> None:
    raw_avg, raw_p95 = summary(m["raw"])
    cold_avg, cold_p95 = summary(m["cold"])
    warm_avg, warm_p95 = summary(m["warm"])
    plain_avg = statistics.fmean(m["plain"])
    ratios = sorted(c / w for c, w in zip(m["cold"], m["raw"], strict=True))
    big_best, big_raw, big_draft, big_decoded = big
    raw_text = f"raw decode {fmt(raw_avg)} / {fmt(raw_p95)}"
    print(f"{len(paths)} × 1080p JPEG, {paths[0].stat().st_size / 1e6:.2f} MB each; offscreen Qt")
    print(common.header())
    rows = [
        (
            "loader alone: next image, prefetched (avg / p95)",
            f"{fmt(warm_avg)} / {fmt(warm_p95)}",
            raw_text,
            f"{warm_p95 / raw_p95:.2f}× (p95)",
            "(the app's switch: bench_e2e)",
        ),
        (
            "next image, cold (avg / p95)",
            f"{fmt(cold_avg)} / {fmt(cold_p95)}",
            raw_text,
            f"{cold_avg / raw_avg:.2f}× (avg)",
            "≤ 1.2× raw decode",
        ),
        (
            "cold ÷ raw decode of the same file (median of pairs)",
            f"{ratios[len(ratios) // 2]:.2f}×",
            "",
            "",
            "≤ 1.2×",
        ),
        (
            "next image, cold (best of the run)",
            fmt(min(m["cold"])),
            f"raw decode {fmt(min(m['raw']))}",
            f"{min(m['cold']) / min(m['raw']):.2f}×",
            "≤ 1.2× raw decode",
        ),
        (
            "decode.decode alone, same files (avg)",
            fmt(plain_avg),
            f"raw decode {fmt(raw_avg)}",
            f"{plain_avg / raw_avg:.2f}×",
            "",
        ),
        (
            "12 MP next image, screen-sized (best)",
            f"{fmt(big_best)} ({big_decoded.width}×{big_decoded.height})",
            f"raw full {fmt(big_raw)}, raw draft {fmt(big_draft)}",
            f"{big_best / big_raw:.2f}× full, {big_best / big_draft:.2f}× draft",
            "≤ 100 ms",
        ),
    ]
    for cells in rows:
        print(common.row(*cells))
    print(f"peak RSS {common.peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="12 MP repetitions")
    args = parser.parse_args()
    paths, big = make_images(common.OUT / "gui-images", args.images)

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    assert isinstance(app, QtWidgets.QApplication)
    screen = Screen()
    screen.resize(SCREEN)
    screen.show()
    runner = tasks.TaskRunner()
    try:
        m = measure_1080p(runner, screen, paths)
        big_figures = measure_12mp(runner, screen, big, args.rounds)
    finally:
        runner.shutdown()
        screen.close()
    report(paths, m, big_figures)


if __name__ == "__main__":
    main()
