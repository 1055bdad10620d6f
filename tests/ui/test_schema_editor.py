"""The schema editor: every change stored at once, clashes refused with a message."""

from __future__ import annotations

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, schema
from tests.ui.helpers import projects
from ui import document
from ui.dialogs import schema_editor


def _editor(qtbot, tmp_path, app_keys=None):
    project = projects.make_project(tmp_path, images=2)
    doc = document.ProjectDocument(project)
    editor = schema_editor.SchemaEditor(doc, app_keys or {})
    qtbot.addWidget(editor)
    return project, doc, editor


def _ids(project):
    return {c.name: c.id for c in schema.get_schema(project).classes}


def test_hotkey_taken_by_another_class_is_refused_with_a_message(qtbot, tmp_path):
    project, _doc, editor = _editor(qtbot, tmp_path)
    ids = _ids(project)
    assert not editor.set_hotkey(ids["bird"], "1")  # "1" is cat's
    assert "taken by class 'cat'" in editor.error.text()
    assert schema.get_schema(project).by_id()[ids["bird"]].hotkey == "3"


def test_hotkey_taken_by_an_app_key_is_refused(qtbot, tmp_path):
    project, _doc, editor = _editor(qtbot, tmp_path, {"D": "next_image"})
    ids = _ids(project)
    editor.list.setCurrentRow(2)
    editor.hotkey.setText("d")
    editor.hotkey.editingFinished.emit()
    assert "Next image" in editor.error.text()
    assert editor.hotkey.text() == "3"  # the field shows the key the class still has
    assert schema.get_schema(project).by_id()[ids["bird"]].hotkey == "3"


def test_add_rename_recolour_and_reorder(qtbot, tmp_path):
    project, doc, editor = _editor(qtbot, tmp_path)
    assert editor.add_class("fish", hotkey="f")
    ids = _ids(project)
    assert editor.rename(ids["fish"], "trout")
    ids = _ids(project)
    assert editor.set_colour(ids["trout"], "#102030")
    assert editor.move_class(ids["trout"], -3)
    classes = schema.get_schema(project).classes
    assert [c.name for c in classes] == ["trout", "cat", "dog", "bird"]
    assert classes[0].color == "#102030" and classes[0].hotkey == "f"
    # The dialog and the document follow the stored schema.
    assert editor.list.item(0).text().startswith("trout")
    assert doc.schema.classes[0].name == "trout"
    assert not editor.rename(ids["trout"], "cat")
    assert "exists already" in editor.error.text()


def _box(project, image_id, class_id):
    shape = ann_mod.NewShape(class_id, geo.ShapeKind.BOX, geo.Box(1, 1, 5, 5))
    annotate.add_annotations(project, image_id, [shape])


def test_deleting_a_class_in_use_asks_and_can_move_its_annotations(qtbot, tmp_path):
    from labeler.services import images

    project, _doc, editor = _editor(qtbot, tmp_path)
    ids = _ids(project)
    image_id = images.list_image_ids(project)[0]
    _box(project, image_id, ids["dog"])
    asked = []

    def cancel(cls, count, others):
        asked.append((cls.name, count, [o.name for o in others]))
        return None

    editor.ask_delete = cancel
    assert not editor.delete(ids["dog"])
    assert asked == [("dog", 1, ["cat", "bird"])]
    assert "dog" in _ids(project)

    editor.ask_delete = lambda cls, count, others: ("move", ids["bird"])
    assert editor.delete(ids["dog"])
    assert "dog" not in _ids(project)
    assert [a.class_id for a in annotate.list_annotations(project, image_id)] == [ids["bird"]]


def test_deleting_a_class_can_delete_its_annotations(qtbot, tmp_path):
    from labeler.services import images

    project, _doc, editor = _editor(qtbot, tmp_path)
    ids = _ids(project)
    image_id = images.list_image_ids(project)[0]
    _box(project, image_id, ids["cat"])
    editor.ask_delete = lambda cls, count, others: ("delete", None)
    assert editor.delete(ids["cat"])
    assert annotate.list_annotations(project, image_id) == []


def test_an_unused_class_is_deleted_without_a_question(qtbot, tmp_path):
    project, _doc, editor = _editor(qtbot, tmp_path)
    editor.ask_delete = lambda *a: (_ for _ in ()).throw(AssertionError("asked"))
    assert editor.delete(_ids(project)["bird"])
    assert sorted(_ids(project)) == ["cat", "dog"]


def test_merge_moves_annotations_to_the_target(qtbot, tmp_path):
    from labeler.services import images

    project, _doc, editor = _editor(qtbot, tmp_path)
    ids = _ids(project)
    image_id = images.list_image_ids(project)[0]
    _box(project, image_id, ids["dog"])
    assert editor.merge([ids["dog"]], ids["cat"])
    assert sorted(_ids(project)) == ["bird", "cat"]
    assert [a.class_id for a in annotate.list_annotations(project, image_id)] == [ids["cat"]]
    assert editor.list.item(0).text() == "cat  [1]  — 1 annotation"


def test_the_project_s_own_attributes_are_defined_and_removed_in_the_editor(qtbot, tmp_path):
    from labeler.domain import schema as schema_mod

    project, doc, editor = _editor(qtbot, tmp_path)
    editor.tabs.setCurrentIndex(1)
    tab = editor.attributes_tab
    tab.attr_name.setText("colour")
    tab.attr_kind.setCurrentIndex(tab.attr_kind.findData(schema_mod.AttributeKind.CHOICE))
    assert tab.attr_choices.isEnabled()
    tab.attr_choices.setText("red")
    tab._on_add_attribute()
    assert "needs at least two choices" in editor.error.text()
    assert schema.get_schema(project).attributes == ()
    tab.attr_choices.setText("red, green , blue")
    tab.attr_default.setText("green")
    tab._on_add_attribute()
    [colour] = schema.get_schema(project).attributes
    assert (colour.name, colour.kind, colour.choices, colour.default) == (
        "colour",
        schema_mod.AttributeKind.CHOICE,
        ("red", "green", "blue"),
        "green",
    )
    assert tab.attributes.item(0).text() == "colour — choice: red, green, blue (default green)"
    assert doc.schema.attributes == schema.get_schema(project).attributes  # the app knows it
    assert tab.attr_name.text() == ""  # ready for the next one

    tab.attr_name.setText("Occluded")  # a common attribute every shape has
    tab.attr_kind.setCurrentIndex(tab.attr_kind.findData(schema_mod.AttributeKind.BOOL))
    assert not tab.attr_choices.isEnabled() and not tab.attr_default.isEnabled()
    tab._on_add_attribute()
    assert "common attributes" in editor.error.text()

    tab.attributes.setCurrentRow(0)
    tab._on_remove_attribute()
    assert schema.get_schema(project).attributes == () and tab.attributes.count() == 0
    project.close()
