"""Pre-labeling with a registered model and settling its suggestions (real models, real files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler.cli import main
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, assist, images, indexing, prelabel, schema, suggestions
from labeler.services import project as project_mod
from labeler.store import models
from tests.assist import onnx_models
from tests.helpers import images as image_files

# Model classes: "cat" is the project's, "Dog" maps by name whatever the case, "car" is unknown.
NAMES = ["cat", "Dog", "car"]
DETS = [(16, 16, 12, 12, 0, 1.0), (48, 40, 16, 20, 1, 1.0), (40, 12, 8, 8, 2, 1.0)]


@pytest.fixture
def model(tmp_path: Path) -> assist.Entry:
    path = onnx_models.yolo(tmp_path / "parts.onnx", NAMES, DETS)
    entry, how = assist.add_model("parts", path)
    assert "Ultralytics" in how
    return entry


def run(project: project_mod.Project, entry: assist.Entry, **kw: object) -> prelabel.PredictReport:
    plan = assist.plan_classes(schema.get_schema(project), entry)
    ids = images.list_image_ids(project)
    return prelabel.predict(
        project, entry, assist.open_detector(entry), plan, ids, min_score=0.1, **kw
    )  # type: ignore[arg-type]


def revision(project: project_mod.Project) -> int:
    return project_mod.meta(project).data_revision


def test_suggestions_are_stored_apart_from_labels_and_runs_resume(
    indexed: project_mod.Project, model: assist.Entry
) -> None:
    before = revision(indexed)
    report = run(indexed, model)
    assert report.looked_at == 12 and report.suggested == 24
    assert report.unmapped == {"car": 12}
    first = images.list_image_ids(indexed)[0]
    found = suggestions.of_image(indexed, first)
    assert sorted(s.label for s in found) == ["Dog", "cat"]
    assert {s.model_sha256 for s in found} == {model.sha256}
    # Not labels: nothing counted, no new data revision, the image still "new".
    assert annotate.list_annotations(indexed, first) == []
    assert revision(indexed) == before
    assert images.get_image(indexed, first).status.value == "new"
    # A second run looks at nothing again.
    again = run(indexed, model)
    assert (again.looked_at, again.skipped, again.suggested) == (0, 12, 0)


def test_coordinates_are_in_the_upright_frame(tmp_path: Path, model: assist.Entry) -> None:
    folder = tmp_path / "exif"
    image_files.jpeg(folder / "turned.jpg", (64, 48), orientation=6)  # upright: 48 × 64
    with project_mod.create_project(
        tmp_path / "e.labeler", classes=["cat", "dog"], author="tester"
    ) as project:
        indexing.add_folder(project, folder)
        indexing.index_pending(project)
        entry = assist.add_model(
            "one", onnx_models.yolo(tmp_path / "one.onnx", ["cat"], [(32, 32, 16, 16, 0, 1.0)])
        )[0]
        run(project, entry)
        (s,) = suggestions.find(project)
    # On the 64×64 input the 48×64 picture sits 8 pixels from the left, at scale 1.
    assert s.geometry == geo.Box(16.0, 24.0, 16.0, 16.0)


def test_accepting_makes_a_label_whose_history_names_the_model(
    indexed: project_mod.Project, model: assist.Entry
) -> None:
    run(indexed, model)
    first = images.list_image_ids(indexed)[0]
    cat = next(s for s in suggestions.of_image(indexed, first) if s.label == "cat")
    before = revision(indexed)
    settled = suggestions.accept(indexed, [cat.id])
    (label,) = annotate.list_annotations(indexed, first)
    assert label.geometry == cat.geometry
    assert label.class_id == schema.find_class(indexed, "cat").id
    (entry,) = annotate.history(indexed, first)
    assert entry.source == {"model": "parts", "sha256": model.sha256, "score": cat.score,
                            "suggestion": cat.id}  # fmt: skip
    assert settled.changes.annotations == {label.id} and revision(indexed) == before + 1
    with pytest.raises(suggestions.SuggestionError, match="accepted already"):
        suggestions.accept(indexed, [cat.id])
    # Looking again does not suggest the object that is a label now.
    run(indexed, model, again=True)
    assert [s.label for s in suggestions.of_image(indexed, first)] == ["Dog"]


def test_a_rejected_suggestion_is_not_brought_back(
    indexed: project_mod.Project, model: assist.Entry
) -> None:
    run(indexed, model)
    first = images.list_image_ids(indexed)[0]
    dog = next(s for s in suggestions.of_image(indexed, first) if s.label == "Dog")
    suggestions.reject(indexed, [dog.id])
    report = run(indexed, model, again=True)
    assert report.suppressed >= 1
    assert [s.label for s in suggestions.of_image(indexed, first)] == ["cat"]
    with indexed.read() as session:
        states = {r.state for r in session.query(models.SuggestionRow).filter_by(image_id=first)}
    assert states == {"open", "rejected"}


def test_reopening_takes_a_decision_back_and_accepting_again_restores_the_same_label(
    indexed: project_mod.Project, model: assist.Entry
) -> None:
    run(indexed, model)
    first = images.list_image_ids(indexed)[0]
    by_label = {s.label: s for s in suggestions.of_image(indexed, first)}
    cat, dog = by_label["cat"], by_label["Dog"]
    suggestions.accept(indexed, [cat.id])
    suggestions.reject(indexed, [dog.id])
    (label,) = annotate.list_annotations(indexed, first)

    before = revision(indexed)
    reopened = suggestions.reopen(indexed, [dog.id])
    assert revision(indexed) == before  # a suggestion alone is not the project's data
    assert reopened.changes.suggestion_images == {first} and not reopened.changes.annotations
    reopened = suggestions.reopen(indexed, [cat.id])
    assert revision(indexed) == before + 1 and reopened.changes.annotations == {label.id}
    assert annotate.list_annotations(indexed, first) == []
    assert {s.label for s in suggestions.of_image(indexed, first)} == {"cat", "Dog"}
    with pytest.raises(suggestions.SuggestionError, match="nothing to take back"):
        suggestions.reopen(indexed, [cat.id])

    suggestions.accept(indexed, [cat.id])
    assert [a.id for a in annotate.list_annotations(indexed, first)] == [label.id]
    ops = [h.op for h in annotate.history(indexed, first)]
    assert ops == ["create", "delete", "restore"]


def test_class_answers_are_kept_per_model(
    indexed: project_mod.Project, model: assist.Entry
) -> None:
    plan = assist.plan_classes(schema.get_schema(indexed), model)
    assert plan.unknown == ("car",) and set(plan.mapped) == {"cat", "Dog"}
    entry = assist.remember_classes("parts", {"car": "bird", "Dog": None})
    plan = assist.plan_classes(schema.get_schema(indexed), assist.get_model("parts"))
    assert plan.unknown == () and plan.ignored == {"Dog"}
    assert plan.mapped["car"] == schema.find_class(indexed, "bird").id
    assert entry.class_map == {"car": "bird", "Dog": None}


def test_outcomes_and_least_certain_order(
    indexed: project_mod.Project, model: assist.Entry
) -> None:
    run(indexed, model)
    ids = images.list_image_ids(indexed)
    a, b, c = (suggestions.of_image(indexed, i) for i in ids[:3])
    suggestions.accept(indexed, [a[0].id, b[0].id])
    suggestions.reject(indexed, [c[0].id])
    (label, *_) = annotate.list_annotations(indexed, ids[1])
    annotate.update_annotations(
        indexed, {label.id: ann_mod.ShapeEdit(geometry=geo.Box(1, 1, 5, 5))}
    )
    stats = suggestions.outcomes(indexed)
    total = {
        k: sum(getattr(o, k) for o in stats.values())
        for k in ("accepted", "edited", "rejected", "open")
    }
    assert total == {"accepted": 1, "edited": 1, "rejected": 1, "open": 21}
    order = suggestions.least_certain(indexed)
    assert [s for _, s in order] == sorted(s for _, s in order)
    assert suggestions.next_to_check(indexed, order[0][0]) == order[1][0]


def test_the_command_line_registers_predicts_and_settles(
    indexed: project_mod.Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = onnx_models.yolo(tmp_path / "best.onnx", NAMES, DETS)
    assert main(["models", "add", "parts", str(path), "--json"]) == 0
    added = json.loads(capsys.readouterr().out)["model"]
    assert added["kind"] == "yolo-detect" and added["classes"] == NAMES
    assert main(["models", "list"]) == 0
    assert "parts  yolo-detect" in capsys.readouterr().out
    project = str(indexed.path)
    assert main(["predict", project, "--model", "parts", "--min-score", "0.1",
                 "--map", "car=bird", "--json"]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert (report["looked_at"], report["suggested"], report["unmapped"]) == (12, 36, {})
    assert main(["suggestions", project, "list", "--classes", "bird", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["suggestions"]
    assert len(listed) == 12 and {r["model_class"] for r in listed} == {"car"}
    assert main(["suggestions", project, "accept", "--classes", "cat,bird"]) == 0
    assert "accepted 24 suggestions on 12 images" in capsys.readouterr().out
    assert main(["suggestions", project, "reject", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rejected"] == 12
    assert main(["suggestions", project, "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)["classes"]
    assert stats["cat"] == {"open": 0, "accepted": 12, "edited": 0, "rejected": 0}
    assert stats["dog"]["rejected"] == 12
    assert main(["models", "remove", "parts"]) == 0
    assert main(["predict", project, "--model", "parts"]) == 1
    assert "no model named 'parts'" in capsys.readouterr().err
