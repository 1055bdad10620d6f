"""Model assistance in the app: suggestions drawn apart, settled with keys, pre-labeling one
image or many off the GUI thread, and click-to-segment with the built-in segmenter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6 import QtCore, QtWidgets

from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.services import annotate, assist, suggestions
from tests.assist import onnx_models
from tests.ui.helpers import projects, workbench
from ui import actions as actions_mod
from ui.canvas import suggestions as layer_mod

DETS = [(20, 20, 16, 16, 0, 1.0), (44, 40, 12, 20, 1, 1.0)]


@pytest.fixture
def bench(qtbot: Any, tmp_path: Path) -> Any:
    tasks = schema_mod.TaskKinds.of("box", "polygon")
    entry, _ = assist.add_model(
        "parts", onnx_models.yolo(tmp_path / "parts.onnx", ["cat", "dog"], DETS)
    )
    with (
        projects.make_project(tmp_path, tasks=tasks, images=3) as project,
        workbench.open_workbench(qtbot, project) as opened,
    ):
        opened.assist.set_model(entry.name)
        opened.assist.set_threshold(project_class(opened, "cat"), 0.0)
        opened.assist.set_threshold(project_class(opened, "dog"), 0.0)
        yield opened


def project_class(bench: Any, name: str) -> str:
    return next(c.id for c in bench.doc.schema.classes if c.name == name)


def labels(bench: Any) -> list[Any]:
    return annotate.list_annotations(bench.project, bench.window.current.image_id)


def test_assist_keys_do_not_clash_with_others() -> None:
    _keys, clashes = actions_mod.resolve_keys(actions_mod.ACTIONS, {})
    assert clashes == []


def test_prelabel_accept_and_reject_with_keys(qtbot: Any, bench: Any) -> None:
    x = bench.assist
    workbench.press(qtbot, bench, "L")
    qtbot.waitUntil(lambda: len(x.layer.items) == 2, timeout=10000)
    items = list(x.layer.items.values())
    assert all(isinstance(i, layer_mod.SuggestionItem) for i in items)
    assert {i.text.split()[0] for i in items} == {"cat", "dog"}
    assert labels(bench) == []  # suggestions are not labels
    first = x.layer.current
    workbench.press(qtbot, bench, "Q")  # accept the current one, the next becomes current
    (made,) = labels(bench)
    assert made.class_id is not None and x.layer.current != first and len(x.layer.items) == 1
    workbench.press(qtbot, bench, "W")  # reject the other
    assert x.layer.items == {} and len(labels(bench)) == 1
    image_id = bench.window.current.image_id
    states = {
        s.state for s in suggestions.of_image(bench.project, image_id, ("accepted", "rejected"))
    }
    assert states == {"accepted", "rejected"}
    # Pre-labeling again brings back neither the label's object nor the rejected one.
    workbench.press(qtbot, bench, "L")
    with qtbot.waitSignal(bench.runner.idle, timeout=10000):
        pass
    assert x.layer.items == {}


def test_accepting_and_rejecting_are_undone_and_redone_like_any_edit(
    qtbot: Any, bench: Any
) -> None:
    x = bench.assist
    workbench.press(qtbot, bench, "L")
    qtbot.waitUntil(lambda: len(x.layer.items) == 2, timeout=10000)
    workbench.press(qtbot, bench, "Q")
    (made,) = labels(bench)
    workbench.press(qtbot, bench, "W")
    assert x.layer.items == {}
    workbench.press(qtbot, bench, "Ctrl+Z")  # the reject: that suggestion is back
    assert len(x.layer.items) == 1 and len(labels(bench)) == 1
    workbench.press(qtbot, bench, "Ctrl+Z")  # the accept: its label goes, both suggestions back
    assert len(x.layer.items) == 2 and labels(bench) == []
    outcome = suggestions.outcomes(bench.project)
    assert sum(o.open for o in outcome.values()) == 2 and not any(
        o.decided for o in outcome.values()
    )
    workbench.press(qtbot, bench, "Ctrl+Shift+Z")  # accepted again: the very same label
    assert [a.id for a in labels(bench)] == [made.id] and len(x.layer.items) == 1
    history = annotate.history(bench.project, bench.window.current.image_id)
    assert [h.op for h in history if h.annotation_id == made.id] == ["create", "delete", "restore"]


def test_thresholds_hide_suggestions_per_class(qtbot: Any, bench: Any) -> None:
    x = bench.assist
    x.prelabel_image()
    qtbot.waitUntil(lambda: len(x.layer.items) == 2, timeout=10000)
    x.set_threshold(project_class(bench, "dog"), 0.99)
    assert [s.label for s in x.shown] == ["cat"]
    assert "below their class's threshold" in bench.window.suggestions_panel.status.text()
    workbench.press(qtbot, bench, "Shift+Q")
    assert [bench.doc.schema.by_id()[a.class_id].name for a in labels(bench)] == ["cat"]


def test_batch_prelabeling_from_the_dialog(qtbot: Any, bench: Any) -> None:
    dialog = bench.assist.batch_dialog()
    with qtbot.waitSignal(bench.runner.idle, timeout=20000):
        dialog.start.click()
    assert "3 images looked at" in dialog.summary.text()
    assert dialog.progress.value() == 3
    assert len(suggestions.find(bench.project)) == 6
    assert "<td align=right>3</td></tr>" in bench.window.suggestions_panel.outcomes.text()
    dialog.close()


def test_click_to_segment_with_the_built_in_segmenter(qtbot: Any, bench: Any) -> None:
    x, canvas = bench.assist, bench.window.canvas
    bench.window.action_set["tool_segment"].trigger()
    assert x.prompt_input.active
    # A click on the yellow disc of the test image (90..140 × 40..100).
    point = canvas.mapFromScene(QtCore.QPointF(115, 70))
    qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: x.outline is not None, timeout=10000)
    # A Shift+click off the object, taken back with Backspace (and the prompt keeps its click).
    off = canvas.mapFromScene(QtCore.QPointF(20, 100))
    qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     QtCore.Qt.KeyboardModifier.ShiftModifier, pos=off)  # fmt: skip
    assert [c.positive for c in x.prompt.clicks] == [True, False]
    workbench.press(qtbot, bench, "Backspace")
    assert [c.positive for c in x.prompt.clicks] == [True]
    qtbot.waitUntil(lambda: x.outline is not None, timeout=10000)
    bounds = x.outline.bounds
    assert bounds.x == pytest.approx(90, abs=4) and bounds.x1 == pytest.approx(140, abs=4)
    workbench.press(qtbot, bench, "Return")
    (made,) = labels(bench)
    assert isinstance(made.geometry, geo.Polygon) and x.outline is None
    workbench.press(qtbot, bench, "Ctrl+Z")  # the kept outline is one undo step
    assert labels(bench) == []
    bench.window.action_set["tool_select"].trigger()
    assert not x.prompt_input.active


def test_the_browser_lists_images_to_check_least_certain_first(qtbot: Any, bench: Any) -> None:
    dialog = bench.assist.batch_dialog()
    with qtbot.waitSignal(bench.runner.idle, timeout=20000):
        dialog.start.click()
    dialog.close()
    combo = bench.window.browser.findChild(QtWidgets.QComboBox, "imageFilter")
    combo.setCurrentIndex(combo.findData("to_check"))
    expected = [i for i, _ in suggestions.least_certain(bench.project)]
    assert len(expected) == 3
    assert bench.window.current.ids == expected
