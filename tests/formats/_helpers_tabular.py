"""Shared pieces for the VOC, Azure ML, CSV, labelme and Create ML tests: real images, samples,
a comparable form of labels, and the third-party conformance folder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from labeler.domain import geometry as geo
from labeler.formats import base
from tests.formats import samples

conformance = samples.conformance


def make_image(
    path: Path, size: tuple[int, int] = (64, 48), orientation: int = 1, color: str = "red"
) -> Path:
    """Write a real image file; ``size`` is as stored (before any EXIF rotation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, color)
    fmt = "PNG" if path.suffix.lower() == ".png" else "JPEG"
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        im.save(path, format=fmt, exif=exif.tobytes())
    else:
        im.save(path, format=fmt)
    return path


def image(
    src: Path, rel_path: str, width: int = 64, height: int = 48, orientation: int = 1
) -> base.DatasetImage:
    return base.DatasetImage(
        key=rel_path,
        rel_path=rel_path,
        width=width,
        height=height,
        source=str(src),
        orientation=orientation,
    )


def box(name: str, x: float, y: float, w: float, h: float, **attributes: Any) -> base.Label:
    return base.Label(name, geo.ShapeKind.BOX, geo.Box(x, y, w, h), attributes)


def polygon(name: str, points: Sequence[tuple[float, float]], **attributes: Any) -> base.Label:
    return base.Label(name, geo.ShapeKind.POLYGON, geo.Polygon(tuple(points)), attributes)


def tag(name: str) -> base.Label:
    return base.Label(name, geo.ShapeKind.TAG)


_FALSE_IS_ABSENT = ("difficult", "truncated", "occluded", "crowd")


def _norm_attrs(attributes: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        sorted((k, v) for k, v in attributes.items() if not (k in _FALSE_IS_ABSENT and not v))
    )


def _norm_geometry(geometry: geo.Geometry, digits: int) -> Any:
    if isinstance(geometry, geo.Box):
        return tuple(round(v, digits) for v in (geometry.x, geometry.y, geometry.w, geometry.h))
    if isinstance(geometry, geo.Polygon):
        return tuple((round(x, digits), round(y, digits)) for x, y in geometry.points)
    return None


def comparable(
    samples: Iterable[base.Sample], digits: int = 6, attributes: bool = True
) -> dict[str, tuple[str, list[Any]]]:
    """rel_path → (split, sorted labels) with coordinates rounded; false common flags dropped."""
    out: dict[str, tuple[str, list[Any]]] = {}
    for s in samples:
        labels = sorted(
            (
                lb.class_name,
                lb.kind.value,
                _norm_geometry(lb.geometry, digits),
                _norm_attrs(lb.attributes) if attributes else (),
            )
            for lb in s.labels
        )
        out[s.image.rel_path] = (s.split, labels)
    return out


def class_counts(samples: Iterable[base.Sample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        for lb in s.labels:
            counts[lb.class_name] = counts.get(lb.class_name, 0) + 1
    return counts


def codes(report: base.Report) -> dict[str, int]:
    return report.counts()


def export_and_read(
    fmt: str,
    samples: Sequence[base.Sample],
    out: Path,
    classes: Sequence[str],
    **options: Any,
) -> tuple[dict[str, str], base.ReadResult]:
    """Run labeler's export into ``out`` and read it back with the same format.

    Returns the split the export gave each image (by rel_path, from the split rule) and what
    the reader found.
    """
    # Imported here: the exporter is exercised only by the tests that ask for it.
    from labeler.formats import export, registry, splits

    opts = export.ExportOptions(ratios=(0.5, 0.5), **options)
    result = export.export_dataset(
        samples, format=fmt, out=out, options=opts, project_classes=classes
    )
    assert result.manifest_path.is_file()
    expected = {
        s.image.rel_path: splits.split_of(s.image.sha256 or s.image.key, opts.ratios, opts.seed)
        for s in samples
    }
    return expected, registry.reader(fmt).read(out, base.Report())


def rich_samples(root: Path) -> list[base.Sample]:
    """Eight images with boxes, polygons, tags and attributes, for export round trips."""
    out: list[base.Sample] = []
    for i in range(8):
        src = make_image(root / f"img{i}.jpg", size=(60 + i, 40))
        labels: list[base.Label] = [
            box("car", 1.5 + i, 2.25, 10, 20, difficult=bool(i % 2)),
            box("person", 0, 0, 60 + i, 40, truncated=True),
        ]
        if i % 3 == 0:
            labels.append(box("sign", 30, 10.125, 7.5, 9))
        out.append(base.Sample(image(src, f"img{i}.jpg", 60 + i, 40), tuple(labels)))
    return out


def writer(module: Any) -> base.Writer:
    """The module's writer, which the test needs to exist."""
    found: base.Writer | None = module.WRITER
    assert found is not None
    return found


def reader(module: Any) -> base.Reader:
    found: base.Reader | None = module.READER
    assert found is not None
    return found


def boxes_strategy(width: int, height: int) -> Any:
    """Hypothesis strategy: lists of boxes (class, x, y, w, h) inside a width × height image."""
    from hypothesis import strategies as st

    @st.composite
    def one(draw: Any) -> tuple[str, float, float, float, float]:
        x0 = draw(st.floats(0, width, allow_nan=False))
        x1 = draw(st.floats(0, width, allow_nan=False))
        y0 = draw(st.floats(0, height, allow_nan=False))
        y1 = draw(st.floats(0, height, allow_nan=False))
        name = draw(st.sampled_from(["car", "person", "sign"]))
        return name, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)

    return st.lists(one(), max_size=6)


def assert_same_boxes(
    expected: Sequence[base.Label], found: Sequence[base.Label], tolerance: float
) -> None:
    """Same classes and corners, in order, within ``tolerance`` pixels."""
    assert [lb.class_name for lb in found] == [lb.class_name for lb in expected]
    for want, got in zip(expected, found, strict=True):
        assert isinstance(want.geometry, geo.Box) and isinstance(got.geometry, geo.Box)
        for a, b in zip(
            (want.geometry.x, want.geometry.y, want.geometry.x1, want.geometry.y1),
            (got.geometry.x, got.geometry.y, got.geometry.x1, got.geometry.y1),
            strict=True,
        ):
            assert abs(a - b) <= tolerance, (want, got)


def flat(compared: dict[str, Any]) -> dict[str, Any]:
    """:func:`comparable` keyed by file name only, for formats written in flat folders."""
    return {key.rsplit("/", 1)[-1]: value for key, value in compared.items()}


def comparable_geometry(label: base.Label, digits: int = 6) -> Any:
    """A label's geometry as rounded numbers (x, y, w, h for a box)."""
    return _norm_geometry(label.geometry, digits)
