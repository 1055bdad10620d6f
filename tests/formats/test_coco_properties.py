"""Any labels labeler can hold export to COCO and YOLO files that independent readers accept and
that read back to the same labels."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO

from labeler.domain import geometry as geo
from labeler.formats import base, coco, yolo
from tests.formats import conftest

CLASSES = ("a", "b: c", "ñ")

# pycocotools' compiled mask decoder predates NumPy 2's copy keyword; NumPy warns on every decode.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@st.composite
def _label(draw: st.DrawFn, width: int, height: int) -> base.Label:
    name = draw(st.sampled_from(CLASSES))
    x = st.floats(0, width, allow_nan=False)
    y = st.floats(0, height, allow_nan=False)
    if draw(st.booleans()):
        x0, x1, y0, y1 = draw(x), draw(x), draw(y), draw(y)
        return base.Label(name, geo.ShapeKind.BOX, geo.Box.from_corners(x0, y0, x1, y1))
    points = draw(st.lists(st.tuples(x, y), min_size=3, max_size=8))
    return base.Label(name, geo.ShapeKind.POLYGON, geo.Polygon(tuple(points)))


@st.composite
def _samples(draw: st.DrawFn) -> list[base.Sample]:
    samples = []
    for i in range(draw(st.integers(1, 4))):
        w, h = draw(st.integers(1, 300)), draw(st.integers(1, 300))
        labels = draw(st.lists(_label(w, h), max_size=5))
        image = base.DatasetImage(key=str(i), rel_path=f"d{i % 2}/im{i}.jpg", width=w, height=h)
        samples.append(base.Sample(image, tuple(labels), draw(st.sampled_from(["train", "val"]))))
    return samples


def _write(
    writer: base.Writer | None, samples: list[base.Sample], out: Path, **kw: str
) -> base.Report:
    assert writer is not None
    report = base.Report()
    options = base.WriteOptions(classes=CLASSES, images=base.ImageMode.NONE, **kw)  # type: ignore[arg-type]
    writer.write(samples, out, options, report)
    return report


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_samples())
def test_every_coco_export_loads_and_rasterizes_and_reads_back(samples: list[base.Sample]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        assert not _write(coco.WRITER, samples, out)
        for file in (out / "annotations").glob("*.json"):
            with contextlib.redirect_stdout(io.StringIO()):
                ds = COCO(str(file))
            for ann in ds.loadAnns(ds.getAnnIds()):
                assert ann["id"] >= 1 and ann["image_id"] >= 1 and ann["category_id"] >= 1
                if "segmentation" in ann:
                    img = ds.loadImgs(ann["image_id"])[0]
                    assert ds.annToMask(ann).shape == (img["height"], img["width"])
        assert coco.READER is not None
        back = coco.READER.read(out, base.Report())
    got = {
        s.image.rel_path: (s.split, [(lb.class_name, lb.geometry) for lb in s.labels])
        for s in back.samples
    }
    want = {
        s.image.rel_path: (s.split, [(lb.class_name, lb.geometry) for lb in s.labels])
        for s in samples
    }
    assert got == want


def _close(a: geo.Geometry, b: geo.Geometry, tol: float) -> bool:
    if isinstance(a, geo.Box) and isinstance(b, geo.Box):
        return all(
            abs(p - q) <= tol
            for p, q in zip((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h), strict=True)
        )
    if isinstance(a, geo.Polygon) and isinstance(b, geo.Polygon):
        return len(a.points) == len(b.points) and all(
            abs(p - q) <= tol for p, q in zip(a.flat(), b.flat(), strict=True)
        )
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_samples(), st.sampled_from(["detect", "segment"]))
def test_every_yolo_export_reads_back_within_rounding(
    samples: list[base.Sample], task: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report = _write(yolo.WRITER, samples, out, task=task)
        rows = [
            line.split()
            for f in (out / "labels").rglob("*.txt")
            for line in f.read_text().splitlines()
        ]
        assert all(
            0 <= int(r[0]) < len(CLASSES) and all(0 <= float(v) <= 1 for v in r[1:]) for r in rows
        )
        # Reading needs the images; give the reader headers of the right size.
        # The layout is flat: the report says where each image goes.
        files = dict(report.image_files)
        for s in samples:
            conftest.write_image(out / files[s.image.key], (s.image.width, s.image.height))
        assert yolo.READER is not None
        read = yolo.READER.read(out, base.Report()).samples
        by_file = {f"images/{s.split}/{s.image.rel_path}": s for s in read}
        back = {s.image.rel_path: by_file[files[s.image.key]] for s in samples}
    converted = sum(
        1
        for s in samples
        for lb in s.labels
        if (lb.kind is geo.ShapeKind.POLYGON) == (task == "detect")
    )
    assert sum(report.counts().values()) == converted
    for s in samples:
        got = back[s.image.rel_path].labels
        assert [lb.class_name for lb in got] == [lb.class_name for lb in s.labels]
        for want, have in zip(s.labels, got, strict=True):
            g = want.geometry
            assert g is not None
            if task == "detect" and isinstance(g, geo.Polygon):
                g = g.bounds
            if task == "segment" and isinstance(g, geo.Box):
                g = geo.Polygon(((g.x, g.y), (g.x1, g.y), (g.x1, g.y1), (g.x, g.y1)))
            assert _close(g, have.geometry, tol=1e-6 * 300 * 2)
