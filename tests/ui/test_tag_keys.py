"""Tags that count and keys that tell the truth: a single-label tag is the image's answer; in
projects with shapes and tags, Shift and a class key set the tag, and every text says so."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, images
from tests.ui.helpers import projects, workbench
from ui import actions as actions_mod
from ui.dialogs import shortcut_sheet

S = status_mod.ImageStatus
README = Path(__file__).resolve().parents[2] / "README.md"


def _project(tmp_path, tags, boxes=False, images_=10):
    tasks = schema_mod.TaskKinds.of(*(["box"] if boxes else []), tags=tags)
    return projects.make_project(tmp_path, images=images_, tasks=tasks)


def test_tagging_ten_images_by_key_finishes_them_counts_them_and_exports_them(qtbot, tmp_path):
    project = _project(tmp_path, schema_mod.TagMode.SINGLE)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        for n in range(10):
            workbench.press(qtbot, bench, "2" if n % 2 else "1")
            if n < 9:
                workbench.wait_shown(qtbot, bench)
        assert [images.get_image(project, i).status for i in ids] == [S.DONE] * 10
        qtbot.waitUntil(lambda: "10 / 10 labeled (100 %)" in w.status_widgets.progress.format())

        # Undo on an image takes back its tag and its status in one step.
        w.current.go_to(ids[3])
        workbench.wait_shown(qtbot, bench)
        workbench.press(qtbot, bench, "Ctrl+Z")
        assert annotate.tags_of(project, ids[3]) == []
        assert images.get_image(project, ids[3]).status is S.NEW
        qtbot.waitUntil(lambda: "9 / 10 labeled" in w.status_widgets.progress.format())

        dialog = bench.datasets.export_dialog()
        dialog.set_format("csv")
        dialog.out.setText(str(tmp_path / "csv"))
        with qtbot.waitSignal(dialog.exported, timeout=10000):
            dialog.start_export()
        assert "Exported 9 images as csv" in dialog.message.text()
        assert "Kept out: 1 new" in dialog.message.text()
        dialog.close()
    rows = 0
    for written in (tmp_path / "csv").rglob("*.csv"):  # one file per split
        with written.open(newline="") as fh:
            rows += len(list(csv.reader(fh))) - 1  # each has a header
    assert rows == 9


def test_pressing_the_key_of_a_tag_already_there_confirms_it(qtbot, tmp_path):
    project = _project(tmp_path, schema_mod.TagMode.SINGLE, images_=2)
    first = images.list_image_ids(project)[0]
    cat = next(c.id for c in schema_mod_classes(project) if c.name == "cat")
    annotate.set_tags(project, first, [cat])  # from an import, or a teammate
    assert images.get_image(project, first).status is S.IN_PROGRESS
    with workbench.open_workbench(qtbot, project) as bench:
        workbench.press(qtbot, bench, "1")
        workbench.wait_shown(qtbot, bench)
        assert images.get_image(project, first).status is S.DONE
        assert bench.window.current.image_id != first


def schema_mod_classes(project):
    from labeler.services import schema

    return schema.get_schema(project).classes


def test_in_a_project_with_boxes_and_tags_shift_and_a_class_key_set_the_tag(qtbot, tmp_path):
    project = _project(tmp_path, schema_mod.TagMode.SINGLE, boxes=True, images_=2)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id or ""
        by_name = bench.doc.schema.by_name()
        workbench.press(qtbot, bench, "2")
        assert w.labeling.current_class == by_name["dog"].id  # the plain key: drawing class
        assert annotate.tags_of(project, first) == []
        workbench.press(qtbot, bench, "Shift+3")
        assert annotate.tags_of(project, first) == [by_name["bird"].id]
        assert w.labeling.current_class == by_name["dog"].id
        assert w.current.image_id == first  # shapes may follow: the image is not finished
        workbench.press(qtbot, bench, "Shift+1")
        assert annotate.tags_of(project, first) == [by_name["cat"].id]
        # Every text says what the keys do.
        assert "Shift + its key" in w.tags_panel.hint.text()
        assert w.tags_panel.list.item(0).text().startswith("Shift+1")
        sheet = shortcut_sheet.ShortcutSheet(w.action_set, w.class_keys.bindings())
        qtbot.addWidget(sheet)
        rows = {(k, a) for k, a in sheet.rows()}
        assert ("1", "cat") in rows and ("Shift+1", "cat") in rows
        texts = _class_rows(sheet)
        assert texts["1"] == actions_mod.DRAW_TEXT
        assert texts["Shift+1"] == actions_mod.SINGLE_TAG_TEXT


def test_multi_label_tags_in_a_box_project_switch_with_shift(qtbot, tmp_path):
    project = _project(tmp_path, schema_mod.TagMode.MULTI, boxes=True, images_=1)
    with workbench.open_workbench(qtbot, project) as bench:
        first = bench.window.current.image_id or ""
        by_name = bench.doc.schema.by_name()
        workbench.press(qtbot, bench, "Shift+1")
        workbench.press(qtbot, bench, "Shift+2")
        assert sorted(annotate.tags_of(project, first)) == sorted(
            [by_name["cat"].id, by_name["dog"].id]
        )
        workbench.press(qtbot, bench, "Shift+1")
        assert annotate.tags_of(project, first) == [by_name["dog"].id]


def _class_rows(sheet: shortcut_sheet.ShortcutSheet) -> dict[str, str]:
    table = sheet.table
    out = {}
    for r in range(table.rowCount()):
        keys, name, what = (table.item(r, c) for c in range(3))
        if keys is not None and name is not None and what is not None and name.text() == "cat":
            out[keys.text()] = what.text()
    return out


def _readme_keys() -> str:
    """The README's key table, its ranges written out ("Alt+1…4" → "Alt+1 Alt+2 …")."""
    text = README.read_text(encoding="utf-8")
    start = text.index("| key | action |")
    table = text[start : text.index("\n\n", start)]

    def spell(m: re.Match[str]) -> str:
        prefix, first, last = m.group(1) or "", int(m.group(2)), int(m.group(3))
        return " ".join(f"{prefix}{d}" for d in range(first, last + 1))

    return table + "\n" + re.sub(r"((?:\w+\+)*)(\d)[…–](\d)", spell, table)


def test_the_readme_key_table_says_what_the_app_does():
    table = _readme_keys()
    for spec in actions_mod.ACTIONS:
        for key in spec.keys:
            shown = {"Return": "Enter", "Right": "→", "Left": "←"}.get(key, key)
            assert re.search(rf"(^|[\s/,|]){re.escape(shown)}([\s/,|…]|$)", table, re.M), (
                f"{key} ({spec.name}) is not in the README's key table"
            )
    for text in (
        actions_mod.DRAW_TEXT,
        actions_mod.SINGLE_TAG_ONLY_TEXT,
        actions_mod.SINGLE_TAG_TEXT,
        actions_mod.MULTI_TAG_TEXT,
    ):
        assert text in table, f"the README's key table does not say: {text}"
    assert "Shift+1–9" in table
