"""CSV for image tags: single-label and multi-label files, and Roboflow's one-hot CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.formats import base, csvtags
from tests.formats import _helpers_tabular as h

CLASSES = ("cat", "dog", "bird")


def _export(
    tmp_path: Path,
    samples: list[base.Sample],
    task: str | None = None,
    images: base.ImageMode = base.ImageMode.COPY,
) -> tuple[Path, base.Report]:
    out = tmp_path / "out"
    report = base.Report()
    options = base.WriteOptions(classes=CLASSES, task=task, images=images)
    written = h.writer(csvtags).write(samples, out, options, report)
    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    return out, report


def _read(path: Path, report: base.Report | None = None) -> base.ReadResult:
    return h.reader(csvtags).read(path, base.Report() if report is None else report)


def _images(tmp_path: Path, *names: str) -> list[Path]:
    return [h.make_image(tmp_path / "src" / n) for n in names]


def test_single_label_round_trip(tmp_path: Path) -> None:
    a, b = _images(tmp_path, "a.jpg", "pets/b.jpg")
    samples = [
        base.Sample(h.image(a, "a.jpg"), (h.tag("dog"),), "train"),
        base.Sample(h.image(b, "pets/b.jpg"), (h.tag("cat"),), "val"),
    ]
    out, report = _export(tmp_path, samples)

    assert not report
    assert (out / "train.csv").read_text() == "path,label\nimages/a.jpg,dog\n"
    assert (out / "val.csv").read_text() == "path,label\nimages/pets/b.jpg,cat\n"
    result = _read(out)
    assert h.comparable(result.samples) == h.comparable(samples)
    assert set(result.classes) == {"cat", "dog"}


def test_multi_label_joins_tags_with_semicolons_in_class_order(tmp_path: Path) -> None:
    a, b, c = _images(tmp_path, "a.jpg", "b.jpg", "c, with comma.jpg")
    samples = [
        base.Sample(h.image(a, "a.jpg"), (h.tag("bird"), h.tag("cat"))),
        base.Sample(h.image(b, "b.jpg"), ()),
        base.Sample(h.image(c, "c, with comma.jpg"), (h.tag("dog"),)),
    ]
    out, report = _export(tmp_path, samples)  # no task: multi-label because a has two tags

    assert not report
    assert (out / "train.csv").read_text().splitlines() == [
        "path,labels",
        "images/a.jpg,cat;bird",
        "images/b.jpg,",
        '"images/c, with comma.jpg",dog',
    ]
    assert h.comparable(_read(out).samples) == h.comparable(samples)


def test_single_label_task_leaves_out_and_reports_other_images(tmp_path: Path) -> None:
    a, b, c = _images(tmp_path, "a.jpg", "b.jpg", "c.jpg")
    samples = [
        base.Sample(h.image(a, "a.jpg"), (h.tag("bird"), h.tag("cat"))),
        base.Sample(h.image(b, "b.jpg"), ()),
        base.Sample(h.image(c, "c.jpg"), (h.tag("dog"), h.box("dog", 1, 1, 2, 2))),
    ]
    out, report = _export(tmp_path, samples, task="multiclass")

    assert report.counts() == {"not_single_label": 2, "shape_not_written": 1}
    assert (out / "train.csv").read_text() == "path,label\nimages/c.jpg,dog\n"
    assert not (out / "images" / "a.jpg").exists()


def test_images_not_written_are_referenced_by_their_original_path(tmp_path: Path) -> None:
    (a,) = _images(tmp_path, "a.jpg")
    out, _ = _export(
        tmp_path, [base.Sample(h.image(a, "a.jpg"), (h.tag("cat"),))], images=base.ImageMode.NONE
    )
    assert (out / "train.csv").read_text() == f"path,label\n{a.resolve()},cat\n"
    assert h.comparable(_read(out).samples) == {"a.jpg": ("train", [("cat", "tag", None, ())])}


def test_roboflow_multiclass_csv() -> None:
    result = _read(h.conformance("datumaro", "roboflow_dataset", "multiclass"))

    assert result.classes == ("label_0", "label_1")
    assert h.class_counts(result.samples) == {"label_0": 2, "label_1": 2}
    assert sorted((s.split, s.image.rel_path, len(s.labels)) for s in result.samples) == [
        ("train", "train_001.jpg", 1),
        ("train", "train_002.jpg", 1),
        ("val", "val_001.jpg", 2),
    ]
    assert all((s.image.width, s.image.height) == (10, 5) for s in result.samples)


# --- malformed files: the message gives the line ----------------------------------------------


def _csv(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "ds"
    h.make_image(root / "a.jpg")
    h.make_image(root / "b.jpg")
    (root / "train.csv").write_text(text)
    return root


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("path,label\na.jpg,cat\nb.jpg\n", "line 3", "1 columns"),
        ("path,label\na.jpg,cat\nb.jpg,\n", "line 3: label", "empty label"),
        ("path,label\na.jpg,cat\na.jpg,dog\n", "line 3", "line 2"),
        ("filename, cat, dog\na.jpg, 1, 0\nb.jpg, 1, yes\n", "line 3: dog", "0 or 1"),
        ("name;label\na.jpg;cat\n", "line 1", "header"),
        ('path,label\n"a.jpg,cat\n', "", "not a valid CSV"),
    ],
)
def test_malformed_csv_names_the_line(tmp_path: Path, text: str, where: str, words: str) -> None:
    with pytest.raises(base.FormatError) as info:
        _read(_csv(tmp_path, text))
    assert Path(info.value.path).name == "train.csv"
    assert info.value.where == where
    assert words in info.value.reason


def test_one_hot_header_declares_the_classes(tmp_path: Path) -> None:
    result = _read(_csv(tmp_path, "filename, cat, dog, bird\na.jpg, 0, 0, 1\nb.jpg, 0, 0, 0\n"))
    assert result.classes == ("cat", "dog", "bird")
    assert h.class_counts(result.samples) == {"bird": 1}


def test_class_names_containing_the_separator_are_reported(tmp_path: Path) -> None:
    (a,) = _images(tmp_path, "a.jpg")
    out = tmp_path / "out"
    report = base.Report()
    options = base.WriteOptions(classes=("a;b", "c"), task="multilabel")
    h.writer(csvtags).write(
        [base.Sample(h.image(a, "a.jpg"), (h.tag("a;b"), h.tag("c")))], out, options, report
    )
    assert report.counts() == {"class_name_has_separator": 1}
    assert (out / "train.csv").read_text() == "path,labels\nimages/a.jpg,c\n"


def test_labeler_export_reads_back_with_the_same_tags_and_splits(tmp_path: Path) -> None:
    names = [f"img{i}.jpg" for i in range(8)]
    samples = [
        base.Sample(
            h.image(src, name), (h.tag(CLASSES[i % 3]),) + ((h.tag("bird"),) if i % 4 == 0 else ())
        )
        for i, (name, src) in enumerate(zip(names, _images(tmp_path, *names), strict=True))
    ]
    splits, result = h.export_and_read("csv", samples, tmp_path / "csv", CLASSES)

    assert h.comparable(result.samples) == {
        k: (splits[k], labels) for k, (_, labels) in h.comparable(samples).items()
    }
    assert (tmp_path / "csv" / "train.csv").read_text().startswith("path,labels\n")


def test_a_box_project_exports_the_classes_present_on_each_image(tmp_path: Path) -> None:
    a, b, c = _images(tmp_path, "a.jpg", "b.jpg", "c.jpg")
    samples = [
        base.Sample(h.image(a, "a.jpg"), (h.box("dog", 1, 1, 5, 5), h.box("cat", 2, 2, 5, 5))),
        base.Sample(h.image(b, "b.jpg"), (h.polygon("bird", [(1, 1), (5, 1), (3, 4)]),)),
        base.Sample(h.image(c, "c.jpg"), ()),
    ]
    out, report = _export(tmp_path, samples)

    assert (out / "train.csv").read_text().splitlines() == [
        "path,labels",
        "images/a.jpg,cat;dog",
        "images/b.jpg,bird",
        "images/c.jpg,",
    ]
    assert report.counts() == {"objects_as_class_presence": 1}
