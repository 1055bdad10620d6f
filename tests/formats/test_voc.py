"""Pascal VOC: what an ML engineer's loader finds in the export, and what an import accepts."""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from PIL import Image

from labeler.domain import status as status_mod
from labeler.formats import base, voc
from tests.formats import _helpers_tabular as h

CLASSES = ("car", "person", "sign")


def _export(
    tmp_path: Path,
    samples: list[base.Sample],
    images: base.ImageMode = base.ImageMode.COPY,
    coordinates: str = "devkit",
    classes: tuple[str, ...] = CLASSES,
) -> tuple[Path, base.Report]:
    out = tmp_path / "out"
    report = base.Report()
    options = base.WriteOptions(
        classes=classes, images=images, format_options={"voc_coordinates": coordinates}
    )
    written = h.writer(voc).write(samples, out, options, report)
    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    return out, report


def _samples(tmp_path: Path) -> list[base.Sample]:
    a = h.make_image(tmp_path / "src" / "a.jpg")
    b = h.make_image(tmp_path / "src" / "sub" / "b.png", size=(30, 20))
    c = h.make_image(tmp_path / "src" / "c.jpg")
    return [
        base.Sample(
            h.image(a, "a.jpg"),
            (
                h.box("car", 1.5, 2.25, 10, 20.125, difficult=True, truncated=True, occluded=True),
                h.box("person", 0, 0, 64, 48, pose="Left", source="camera 2", checked=False),
            ),
            "train",
        ),
        base.Sample(h.image(b, "sub/b.png", 30, 20), (h.box("sign", 3, 4, 5, 6),), "val"),
        base.Sample(h.image(c, "c.jpg"), (), "train"),  # deliberately empty: no objects
    ]


def test_round_trip_keeps_boxes_attributes_splits_and_classes(tmp_path: Path) -> None:
    samples = _samples(tmp_path)
    out, report = _export(tmp_path, samples, coordinates="continuous")
    assert not report

    result = h.reader(voc).read(out, base.Report())

    assert result.classes == CLASSES
    # The layout is flat: sub/b.png is written (and read back) as b.png.
    assert h.comparable(result.samples) == h.flat(h.comparable(samples))
    back = {s.image.rel_path: s for s in result.samples}
    assert (back["b.png"].image.width, back["b.png"].image.height) == (30, 20)
    assert back["c.jpg"].image.status is status_mod.ImageStatus.DONE
    assert (
        Path(back["a.jpg"].image.source or "").read_bytes()
        == (out / "JPEGImages/a.jpg").read_bytes()
    )


def test_annotation_xml_has_the_fields_voc_loaders_expect(tmp_path: Path) -> None:
    out, _ = _export(tmp_path, _samples(tmp_path))

    root = ET.parse(out / "Annotations" / "a.xml").getroot()
    assert root.findtext("folder") == "JPEGImages"
    assert root.findtext("filename") == "a.jpg"
    assert [root.findtext(f"size/{k}") for k in ("width", "height", "depth")] == ["64", "48", "3"]
    car, person = root.findall("object")
    assert car.findtext("name") == "car"
    assert car.findtext("pose") == "Unspecified"
    assert (car.findtext("truncated"), car.findtext("difficult"), car.findtext("occluded")) == (
        "1",
        "1",
        "1",
    )
    # The devkit's 1-based whole pixels: (1.5, 2.25)-(11.5, 22.375) covers pixels 3..12, 3..22.
    assert [car.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")] == [
        "3",
        "3",
        "12",
        "22",
    ]
    assert person.findtext("pose") == "Left"
    assert person.find("occluded") is None
    assert [person.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")] == [
        "1",
        "1",
        "64",
        "48",
    ]
    extra = {
        a.findtext("name"): a.findtext("value") for a in person.iterfind("attributes/attribute")
    }
    assert extra == {"source": "camera 2", "checked": "false"}
    # Flat folders, as the devkit, supervision and datumaro read them.
    assert (out / "Annotations" / "b.xml").is_file()
    assert (out / "JPEGImages" / "b.png").is_file()


def test_continuous_coordinates_are_written_as_they_stand(tmp_path: Path) -> None:
    out, report = _export(tmp_path, _samples(tmp_path), coordinates="continuous")

    car = ET.parse(out / "Annotations" / "a.xml").getroot().findall("object")[0]
    # Continuous pixel corners, no 1-based shift; whole numbers without ".0".
    assert [car.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")] == [
        "1.5",
        "2.25",
        "11.5",
        "22.375",
    ]
    assert report.conventions["voc_coordinates"] == "continuous"


def test_devkit_boxes_read_back_within_half_a_pixel(tmp_path: Path) -> None:
    samples = _samples(tmp_path)
    out, report = _export(tmp_path, samples)
    assert report.conventions["voc_coordinates"] == "devkit"
    assert "voc_coordinates=devkit" in (out / "labelmap.txt").read_text()

    result = h.reader(voc).read(out, base.Report())
    back = {s.image.rel_path: s for s in result.samples}
    h.assert_same_boxes(samples[0].labels, back["a.jpg"].labels, tolerance=0.5)
    # Whole-pixel boxes come back exactly.
    assert h.comparable([back["b.png"]])["b.png"][1] == [("sign", "box", (3.0, 4.0, 5.0, 6.0), ())]


def test_the_pixel_convention_is_an_import_option(tmp_path: Path) -> None:
    # Written by a devkit tool (e.g. supervision): pixels 11..20 are x 10..20.
    root = _dataset(tmp_path, _xml(_obj("car", (11, 5, 20, 9))))
    devkit = h.reader(voc).read(root, base.Report()).samples[0].labels[0]
    assert h.comparable_geometry(devkit) == (10.0, 4.0, 10.0, 5.0)
    continuous = voc.reader_with({"voc_coordinates": "continuous"}).read(root, base.Report())
    assert h.comparable_geometry(continuous.samples[0].labels[0]) == (11.0, 5.0, 9.0, 4.0)


def test_image_sets_and_labelmap_follow_datumaro(tmp_path: Path) -> None:
    out, _ = _export(tmp_path, _samples(tmp_path))

    assert (out / "ImageSets/Main/train.txt").read_text().splitlines() == ["a", "c"]
    assert (out / "ImageSets/Main/val.txt").read_text().splitlines() == ["b"]
    lines = (out / "labelmap.txt").read_text().splitlines()
    assert lines[:2] == ["# label:color_rgb:parts:actions", "# labeler: voc_coordinates=devkit"]
    assert [ln.split(":")[0] for ln in lines[2:]] == list(CLASSES)
    assert lines[2] == "car:128,0,0::"  # VOC colormap from index 1: no class is background black
    assert all(len(ln.split(":")) == 4 for ln in lines[2:])


def test_spaces_in_names_survive_the_image_lists(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "src" / "field 3" / "côte nord 1.jpg")
    samples = [base.Sample(h.image(a, "field 3/côte nord 1.jpg"), (h.box("car", 1, 2, 3, 4),))]
    out, _ = _export(tmp_path, samples)

    assert (out / "ImageSets/Main/train.txt").read_text() == "côte nord 1\n"
    (back,) = h.reader(voc).read(out, base.Report()).samples
    assert back.image.rel_path == "côte nord 1.jpg"
    assert h.comparable([back])["côte nord 1.jpg"][1] == [("car", "box", (1.0, 2.0, 3.0, 4.0), ())]


def test_a_class_name_with_a_colon_keeps_the_labelmap_readable(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    classes = ("car", "sign:stop")
    samples = [base.Sample(h.image(a, "a.jpg"), (h.box("sign:stop", 1, 2, 3, 4),))]
    out, report = _export(tmp_path, samples, classes=classes)

    lines = (out / "labelmap.txt").read_text().splitlines()
    assert all(len(ln.split(":")) == 4 for ln in lines if not ln.startswith("#"))  # datumaro
    assert lines[-1].startswith("sign_stop:")
    assert report.counts() == {"class_renamed": 1}
    assert report.conventions["voc_class_names"] == {"sign:stop": "sign_stop"}
    # Written with a manifest, labeler restores the name.
    (out / "manifest.json").write_text(
        json.dumps({"labeler_version": "x", "coordinate_frame": report.conventions})
    )
    result = h.reader(voc).read(out, base.Report())
    assert result.classes == classes
    assert [lb.class_name for lb in result.samples[0].labels] == ["sign:stop"]


def test_polygons_become_boxes_and_tags_are_reported(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    sample = base.Sample(
        h.image(a, "a.jpg"),
        (h.polygon("car", [(1, 2), (9, 3), (5, 12)]), h.tag("sign"), h.box("truck", 1, 1, 2, 2)),
    )
    out, report = _export(tmp_path, [sample])

    assert report.counts() == {"polygon_as_box": 1, "tag_not_written": 1, "class_not_exported": 1}
    result = h.reader(voc).read(out, base.Report())
    assert h.comparable(result.samples)["a.jpg"][1] == [("car", "box", (1.0, 2.0, 8.0, 10.0), ())]


def test_boxes_past_the_edge_are_cut_and_reported(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    out, report = _export(
        tmp_path, [base.Sample(h.image(a, "a.jpg"), (h.box("car", 60, 40, 10, 10),))]
    )

    assert report.counts() == {"box_clipped": 1}
    result = h.reader(voc).read(out, base.Report())
    assert h.comparable(result.samples)["a.jpg"][1][0][2] == (60.0, 40.0, 4.0, 8.0)


def test_two_images_with_one_stem_do_not_overwrite_each_other(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "x.jpg")
    b = h.make_image(tmp_path / "x.png", size=(20, 10))
    samples = [
        base.Sample(h.image(a, "x.jpg"), (h.box("car", 1, 1, 2, 2),)),
        base.Sample(h.image(b, "x.png", 20, 10), (h.box("sign", 1, 1, 3, 3),)),
    ]
    out, report = _export(tmp_path, samples)

    assert report.counts() == {"renamed_image": 1}
    result = h.reader(voc).read(out, base.Report())
    assert sorted(h.class_counts(result.samples).items()) == [("car", 1), ("sign", 1)]
    assert len(list((out / "Annotations").glob("*.xml"))) == 2


def test_copied_images_are_upright_and_match_the_written_size(tmp_path: Path) -> None:
    # Stored 40×20 with orientation 6: displayed (and labelled) as 20×40.
    src = h.make_image(tmp_path / "rot.jpg", size=(40, 20), orientation=6)
    sample = base.Sample(
        h.image(src, "rot.jpg", 20, 40, orientation=6), (h.box("car", 1, 30, 5, 9),)
    )
    out, _ = _export(tmp_path, [sample])

    with Image.open(out / "JPEGImages" / "rot.jpg") as im:
        assert im.size == (20, 40)
    result = h.reader(voc).read(out, base.Report())
    assert h.comparable(result.samples) == h.comparable([sample])


def test_without_images_the_xml_points_at_the_original_file(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "photos" / "a.jpg")
    out, _ = _export(tmp_path, [base.Sample(h.image(a, "a.jpg"), ())], images=base.ImageMode.NONE)

    assert not (out / "JPEGImages").exists()
    assert ET.parse(out / "Annotations/a.xml").getroot().findtext("path") == str(a.resolve())


# --- malformed input: every problem names the file and the place -------------------------------


def _dataset(
    tmp_path: Path, xml: str, labelmap: str | None = None, size: tuple[int, int] = (64, 48)
) -> Path:
    root = tmp_path / "ds"
    (root / "Annotations").mkdir(parents=True)
    (root / "Annotations" / "a.xml").write_text(xml)
    h.make_image(root / "JPEGImages" / "a.jpg", size=size)
    if labelmap is not None:
        (root / "labelmap.txt").write_text(labelmap)
    return root


def _xml(objects: str, size: str = "<size><width>64</width><height>48</height></size>") -> str:
    return f"<annotation><filename>a.jpg</filename>{size}{objects}</annotation>"


def _obj(name: str, box: tuple[object, ...], extra: str = "") -> str:
    x0, y0, x1, y1 = box
    return (
        f"<object><name>{name}</name>{extra}<bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
        f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>"
    )


def _error(root: Path) -> base.FormatError:
    with pytest.raises(base.FormatError) as info:
        h.reader(voc).read(root, base.Report())
    return info.value


def test_bad_xml_names_file_line_and_column(tmp_path: Path) -> None:
    err = _error(_dataset(tmp_path, "<annotation>\n  <object><name>car</object>\n</annotation>"))
    assert err.path.endswith("a.xml")
    assert err.where == "line 2, column 22"  # the "object" of the mismatched </object>


def test_unknown_class_is_refused_when_a_labelmap_exists(tmp_path: Path) -> None:
    labelmap = "# label:color_rgb:parts:actions\ncar:128,0,0::\n"
    root = _dataset(tmp_path, _xml(_obj("car", (1, 1, 2, 2)) + _obj("bus", (1, 1, 2, 2))), labelmap)
    err = _error(root)
    assert err.where == "object 2: name"
    assert "'bus'" in err.reason and "labelmap.txt" in err.reason


def test_unknown_class_is_taken_without_a_labelmap(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _xml(_obj("bus", (1, 1, 2, 2))))
    result = h.reader(voc).read(root, base.Report())
    assert result.classes == ("bus",)


@pytest.mark.parametrize(
    ("box", "where"),
    [
        ((-1, 0, 5, 5), "object 1: bndbox"),
        ((0, 0, 65, 5), "object 1: bndbox"),
        ((0, 0, 5, 49), "object 1: bndbox"),
        ((5, 5, 2, 8), "object 1: bndbox"),
        ((0, "x", 5, 5), "object 1: bndbox/ymin"),
    ],
)
def test_box_outside_the_image_or_malformed_is_refused(
    tmp_path: Path, box: tuple[object, ...], where: str
) -> None:
    err = _error(_dataset(tmp_path, _xml(_obj("car", box))))
    assert (Path(err.path).name, err.where) == ("a.xml", where)


def test_flag_that_is_not_0_or_1_is_refused(tmp_path: Path) -> None:
    err = _error(_dataset(tmp_path, _xml(_obj("car", (1, 1, 2, 2), "<difficult>yes</difficult>"))))
    assert err.where == "object 1: difficult"


def test_missing_size_is_read_from_the_image_header(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _xml(_obj("car", (1, 1, 30, 70)), size=""), size=(40, 80))
    result = h.reader(voc).read(root, base.Report())
    assert (result.samples[0].image.width, result.samples[0].image.height) == (40, 80)


def test_missing_size_and_image_is_refused(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _xml(_obj("car", (1, 1, 3, 3)), size=""))
    (root / "JPEGImages" / "a.jpg").unlink()
    err = _error(root)
    assert err.where == "size"


def test_listed_image_without_annotation_is_new_not_empty(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _xml(""))
    h.make_image(root / "JPEGImages" / "b.jpg")
    (root / "ImageSets" / "Main").mkdir(parents=True)
    (root / "ImageSets" / "Main" / "test.txt").write_text("a\nb\n")
    report = base.Report()

    result = h.reader(voc).read(root, report)

    statuses = {s.image.rel_path: (s.split, s.image.status) for s in result.samples}
    assert statuses == {
        "a.jpg": ("test", status_mod.ImageStatus.DONE),
        "b.jpg": ("test", status_mod.ImageStatus.NEW),
    }
    assert report.counts() == {"voc_no_annotation_file": 1}


def test_labeler_export_reads_back_with_the_same_labels_and_splits(tmp_path: Path) -> None:
    samples = h.rich_samples(tmp_path / "src")
    splits, result = h.export_and_read(
        "voc", samples, tmp_path / "voc", CLASSES, format_options={"voc_coordinates": "continuous"}
    )

    assert result.classes == CLASSES
    assert h.comparable(result.samples) == h.flat(
        {k: (splits[k], labels) for k, (_, labels) in h.comparable(samples).items()}
    )
    assert len(set(splits.values())) == 2  # both splits used, so the lists are really read


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(boxes=h.boxes_strategy(640, 480))
def test_any_boxes_survive_a_round_trip_exactly(
    tmp_path: Path, boxes: list[tuple[str, float, float, float, float]]
) -> None:
    src = tmp_path / "a.png"
    if not src.exists():
        h.make_image(src, size=(640, 480))
    labels = tuple(h.box(*b) for b in boxes)
    sample = base.Sample(h.image(src, "a.png", 640, 480), labels)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report = base.Report()
        options = base.WriteOptions(
            classes=CLASSES,
            images=base.ImageMode.NONE,
            format_options={"voc_coordinates": "continuous"},
        )
        h.writer(voc).write([sample], out, options, report)
        assert not report
        (found,) = h.reader(voc).read(out, base.Report()).samples
    # Corners are written to the last bit, so they come back exactly.
    h.assert_same_boxes(labels, found.labels, tolerance=0.0)
    assert found.image.source == str(src.resolve())  # found through <path>


def test_malformed_labelmap_names_its_line(tmp_path: Path) -> None:
    root = _dataset(
        tmp_path, _xml(""), "# label:color_rgb:parts:actions\ncar:128,0,0::\nbus:0,0,0\n"
    )
    err = _error(root)
    assert (Path(err.path).name, err.where) == ("labelmap.txt", "line 3")


def test_an_image_list_naming_nothing_is_refused_at_its_line(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _xml(_obj("car", (1, 1, 5, 5))))
    lists = root / "ImageSets" / "Main"
    lists.mkdir(parents=True)
    (lists / "train.txt").write_text("a\nmy photo 7\n")

    with pytest.raises(base.FormatError) as info:
        h.reader(voc).read(root, base.Report())

    assert Path(info.value.path) == lists / "train.txt"
    assert info.value.where == "line 2"
    assert "'my photo 7'" in info.value.reason
