"""The image loader: prefetch, stale results, screen-sized then sharp, 16-bit window/level."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6 import QtCore, QtGui

from labeler.imaging import decode
from tests.ui.images import files
from ui import tasks
from ui.images import loader as loader_mod


class CountingDecoder:
    """The real decoder, counting calls per file; a file can be held back until released."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.order: list[str] = []
        self.hold: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __call__(self, path: str, **kwargs: Any) -> decode.Decoded:
        with self._lock:
            self.calls[Path(path).name] += 1
            self.order.append(Path(path).stem)
        gate = self.hold.get(Path(path).name)
        if gate is not None:
            gate.wait(5)
        return decode.decode(path, **kwargs)


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[tasks.TaskRunner]:
    r = tasks.TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def decoder() -> CountingDecoder:
    return CountingDecoder()


@pytest.fixture
def loader(runner: tasks.TaskRunner, decoder: CountingDecoder) -> loader_mod.ImageLoader:
    return loader_mod.ImageLoader(runner, decoder=decoder)


class Shown:
    """What the loader asked the canvas to show, in order."""

    def __init__(self, loader: loader_mod.ImageLoader) -> None:
        self.loaded: list[tuple[str, QtGui.QImage, QtCore.QSize]] = []
        self.failed: list[tuple[str, str]] = []
        loader.loaded.connect(lambda i, img, size: self.loaded.append((i, img, size)))
        loader.failed.connect(lambda i, msg: self.failed.append((i, msg)))

    def ids(self) -> list[str]:
        return [i for i, _, _ in self.loaded]


def test_next_image_comes_from_the_prefetch_without_a_decode(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner, loader: loader_mod.ImageLoader,
    decoder: CountingDecoder,
) -> None:  # fmt: skip
    images = [files.record(files.photo(tmp_path / f"n{i}.jpg", (320, 240))) for i in range(4)]
    shown = Shown(loader)

    with qtbot.waitSignal(loader.loaded):
        loader.request(images[0], [images[1]])
    qtbot.waitUntil(lambda: decoder.calls["n1.jpg"] == 1 and runner.pending == 0)
    assert decoder.calls == {"n0.jpg": 1, "n1.jpg": 1}

    loader.request(images[1], [images[0], images[2]])

    # Shown at once, before any event loop turn, from the cache.
    assert shown.ids() == ["n0", "n1"]
    assert decoder.calls["n1.jpg"] == 1 and decoder.calls["n0.jpg"] == 1
    assert decoder.calls["n2.jpg"] == 0  # not while the frame showing n1 is being painted
    # The next one is prepared once it is.
    qtbot.waitUntil(lambda: decoder.calls["n2.jpg"] == 1 and runner.pending == 0)
    _, picture, size = shown.loaded[-1]
    assert (picture.width(), picture.height()) == (320, 240) and size == QtCore.QSize(320, 240)


def test_a_result_for_an_image_the_user_left_is_not_shown(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner, loader: loader_mod.ImageLoader,
    decoder: CountingDecoder,
) -> None:  # fmt: skip
    slow = files.record(files.photo(tmp_path / "slow.jpg", (200, 100)))
    quick = files.record(files.photo(tmp_path / "quick.jpg", (100, 200)))
    decoder.hold["slow.jpg"] = gate = threading.Event()
    shown = Shown(loader)

    loader.request(slow)
    qtbot.waitUntil(lambda: decoder.calls["slow.jpg"] == 1)  # decoding has started
    with qtbot.waitSignal(loader.loaded) as got:
        loader.request(quick)
    assert got.args[0] == "quick"
    gate.set()
    qtbot.waitUntil(lambda: runner.pending == 0)

    assert shown.ids() == ["quick"]
    # Decoded all the same: going back shows it without decoding again.
    loader.request(slow)
    assert shown.ids() == ["quick", "slow"] and decoder.calls["slow.jpg"] == 1


def test_prefetches_the_user_moved_away_from_are_skipped(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner, loader: loader_mod.ImageLoader,
    decoder: CountingDecoder,
) -> None:  # fmt: skip
    images = {n: files.record(files.photo(tmp_path / f"{n}.jpg", (64, 48))) for n in "abcdef"}
    gate = threading.Event()
    decoder.hold["a.jpg"] = decoder.hold["b.jpg"] = gate
    shown = Shown(loader)

    loader.request(images["a"], [images["b"], images["c"]])  # a and b keep both threads busy
    qtbot.waitUntil(lambda: decoder.calls["a.jpg"] == decoder.calls["b.jpg"] == 1)
    loader.request(images["e"], [images["d"], images["f"]])  # c is not needed any more
    gate.set()
    qtbot.waitUntil(lambda: shown.ids() == ["e"] and runner.pending == 0)

    assert decoder.calls["c.jpg"] == 0
    assert decoder.calls["d.jpg"] == decoder.calls["f.jpg"] == 1
    with qtbot.waitSignal(loader.loaded) as back:
        loader.request(images["c"])  # coming back decodes it after all
    assert back.args[0] == "c"


def test_a_queued_neighbour_the_user_jumps_to_goes_first(
    qtbot: QtBot, tmp_path: Path, decoder: CountingDecoder
) -> None:
    # One decode thread: which job the pool takes next is then the order decodes start in (with
    # two, a thread preempted between taking a job and starting it lets the other run ahead).
    runner = tasks.TaskRunner(read_threads=1)
    try:
        loader = loader_mod.ImageLoader(runner, decoder=decoder)
        images = {n: files.record(files.photo(tmp_path / f"{n}.jpg", (64, 48))) for n in "acdefg"}
        gate = threading.Event()
        decoder.hold["a.jpg"] = gate
        shown = Shown(loader)

        loader.request(images["a"])  # the thread is busy
        qtbot.waitUntil(lambda: decoder.calls["a.jpg"] == 1)
        neighbours = [images[n] for n in "cdefg"]
        loader.request(images["a"], neighbours)  # c..g queued behind, in this order
        loader.request(images["g"], neighbours)  # the user jumps to the last of them
        gate.set()
        qtbot.waitUntil(lambda: "g" in shown.ids() and runner.pending == 0)

        queued = [n for n in decoder.order if n in "cdefg"]
        # Without the jump-ahead, g would be the last of the five.
        assert queued == list("gcdef")  # each decoded once, g first
        assert shown.ids()[-1] == "g"
    finally:
        runner.shutdown()


def test_first_decode_fits_the_screen_and_zoom_sharpens(
    qtbot: QtBot, tmp_path: Path, loader: loader_mod.ImageLoader
) -> None:
    big = files.record(files.photo(tmp_path / "big.jpg", (2400, 1800)))
    loader.set_target_size(QtCore.QSize(600, 600))

    with qtbot.waitSignal(loader.loaded) as first:
        loader.request(big)
    _, picture, size = first.args
    assert size == QtCore.QSize(2400, 1800)
    assert picture.width() < 1200 and picture.width() >= 600  # DCT scaled, enough for 600 px
    assert abs(picture.width() / picture.height() - 4 / 3) < 0.01

    with qtbot.assertNotEmitted(loader.loaded):
        loader.request_sharp("big", 0.25)  # still coarser than what is at hand
    with qtbot.waitSignal(loader.loaded) as sharp:
        loader.request_sharp("big", 1.5)
    assert sharp.args[0] == "big" and sharp.args[2] == QtCore.QSize(2400, 1800)
    assert (sharp.args[1].width(), sharp.args[1].height()) == (2400, 1800)


def test_a_first_decode_is_kept_at_the_size_it_is_shown(
    qtbot: QtBot, tmp_path: Path, loader: loader_mod.ImageLoader
) -> None:
    # DCT scaling cannot halve 1000 px for a 600 px screen: the picture kept is screen-sized all
    # the same, so the cache holds what is shown, not three times that.
    photo = files.record(files.photo(tmp_path / "wide.jpg", (1000, 750)))
    loader.set_target_size(QtCore.QSize(600, 600))
    with qtbot.waitSignal(loader.loaded) as got:
        loader.request(photo)
    _, picture, size = got.args
    assert (picture.width(), picture.height()) == (600, 450) and size == QtCore.QSize(1000, 750)
    assert loader.cache.nbytes == 600 * 450 * 4
    assert QtGui.QColor(picture.pixel(10, 225)).lightness() > 230  # the left band, still there


def test_pictures_are_upright_as_the_project_records(
    qtbot: QtBot, tmp_path: Path, loader: loader_mod.ImageLoader
) -> None:
    path = files.photo(tmp_path / "turned.jpg", (300, 200))  # band on the stored left edge
    with qtbot.waitSignal(loader.loaded) as got:
        loader.request(files.record(path, orientation=6))  # 90° clockwise to show
    _, picture, size = got.args
    assert size == QtCore.QSize(200, 300) and picture.size() == QtCore.QSize(200, 300)
    assert QtGui.QColor(picture.pixel(100, 5)).lightness() > 230  # the band is now on top
    assert QtGui.QColor(picture.pixel(100, 295)).lightness() < 200


def test_unreadable_images_fail_with_a_readable_message(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner, decoder: CountingDecoder
) -> None:
    loader = loader_mod.ImageLoader(runner, decoder=decoder, max_pixels=1_000_000)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8 this is not a picture")
    huge = files.photo(tmp_path / "huge.jpg", (1600, 1000))  # 1.6 MP over a 1 MP limit
    cases = {
        "junk": "not an image",
        "missing": "does not exist",
        "huge": "too large",
    }
    shown = Shown(loader)
    for name, words in cases.items():
        path = {"junk": junk, "huge": huge}.get(name, tmp_path / "missing.jpg")
        with qtbot.waitSignal(loader.failed) as got:
            loader.request(files.record(path, image_id=name))
        assert got.args[0] == name and words in got.args[1]
    assert shown.loaded == []

    calls = sum(decoder.calls.values())
    with qtbot.waitSignal(loader.failed):
        loader.request(files.record(junk, image_id="junk"))  # known to fail: no new attempt
    assert sum(decoder.calls.values()) == calls


def test_16bit_images_get_an_automatic_window_and_follow_window_level(
    qtbot: QtBot, tmp_path: Path, loader: loader_mod.ImageLoader
) -> None:
    values = [v * 40 for v in range(1000)]  # 0..39960
    path = files.deep_grey(tmp_path / "xray.png", values, (100, 10))
    before = hashlib.sha256(path.read_bytes()).digest()

    with qtbot.waitSignal(loader.windowLevelChanged) as auto:
        loader.request(files.record(path))
    low, high = auto.args[1:]
    assert 0 < low < 1000 and 38000 < high < 39960  # 0.5 and 99.5 percentiles

    with qtbot.waitSignal(loader.loaded) as got:
        loader.set_window_level("xray", 10000, 20000)
    picture = got.args[1]
    assert picture.format() == QtGui.QImage.Format.Format_Grayscale8
    spots = [(0, 2), (50, 2), (12, 3), (25, 3), (99, 4), (0, 9)]
    grey = [QtGui.QColor(picture.pixel(x, y)).red() for x, y in spots]
    # values 8000, 10000, 12480, 13000, 19960, 36000: below the window black, above it white,
    # (v - 10000) × 255 / 10000 rounded in between.
    assert grey == [0, 0, 63, 77, 254, 255]
    assert loader.window_level("xray") == (10000, 20000)
    assert hashlib.sha256(path.read_bytes()).digest() == before  # the file is never touched

    with qtbot.waitSignal(loader.windowLevelChanged) as back:
        loader.reset_window_level("xray")
    assert tuple(back.args[1:]) == (low, high)


def test_the_cache_stays_within_its_memory_bound(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner, decoder: CountingDecoder
) -> None:
    one_picture = 400 * 300 * 4
    loader = loader_mod.ImageLoader(runner, decoder=decoder, cache_bytes=3 * one_picture)
    images = [files.record(files.photo(tmp_path / f"c{i}.jpg", (400, 300))) for i in range(8)]
    for i, image in enumerate(images):
        with qtbot.waitSignal(loader.loaded):
            loader.request(image, images[i + 1 : i + 2])
        qtbot.waitUntil(lambda: runner.pending == 0)
        assert loader.cache.nbytes <= 3 * one_picture

    assert len(loader.cache) == 3
    assert loader.is_cached("c7") and not loader.is_cached("c0")


def test_sharpening_a_16bit_image_keeps_its_window(
    qtbot: QtBot, tmp_path: Path, loader: loader_mod.ImageLoader
) -> None:
    # Speckle: a screen-sized decode averages it away, so its percentiles differ from the file's.
    values = [(i * 7919) % 60000 if (i // 3) % 2 else 1000 for i in range(400 * 300)]
    path = files.deep_grey(tmp_path / "speckle.png", values, (400, 300))
    loader.set_target_size(QtCore.QSize(100, 100))
    with qtbot.waitSignal(loader.windowLevelChanged) as coarse:
        loader.request(files.record(path))

    with qtbot.waitSignal(loader.loaded) as sharp:
        loader.request_sharp("speckle", 2.0)

    assert sharp.args[1].size() == QtCore.QSize(400, 300)
    assert loader.window_level("speckle") == tuple(coarse.args[1:])
