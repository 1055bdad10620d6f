"""Annotations, tags, history and review through the services."""

from __future__ import annotations

import pytest

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, images, review, schema, stats
from labeler.services import project as project_mod

S = status_mod.ImageStatus


def _ids(project: project_mod.Project) -> tuple[str, dict[str, str]]:
    first = images.list_image_ids(project)[0]
    return first, {c.name: c.id for c in schema.get_schema(project).classes}


def test_add_update_delete_restore_keeps_every_version_in_history(
    indexed: project_mod.Project,
) -> None:
    image_id, cls = _ids(indexed)
    changes = annotate.add_annotations(
        indexed, image_id, [ann_mod.NewShape(cls["cat"], geo.ShapeKind.BOX, geo.Box(1, 2, 30, 40))]
    )
    (ann_id,) = changes.annotations
    assert changes.annotation_images == {image_id}
    annotate.update_annotations(
        indexed, {ann_id: ann_mod.ShapeEdit(geometry=geo.Box(5, 5, 10, 10))}
    )
    annotate.update_annotations(indexed, {ann_id: ann_mod.ShapeEdit(class_id=cls["dog"])})
    annotate.delete_annotations(indexed, [ann_id])
    assert annotate.list_annotations(indexed, image_id) == []
    annotate.restore_annotations(indexed, [ann_id])
    (live,) = annotate.list_annotations(indexed, image_id)
    assert live.class_id == cls["dog"] and live.geometry == geo.Box(5, 5, 10, 10)
    assert live.author == "tester" and live.dirty and live.revision is None
    hist = annotate.history(indexed, image_id)
    assert [h.op for h in hist] == ["create", "update", "update", "delete", "restore"]
    assert hist[0].geometry == geo.Box(1, 2, 30, 40)
    assert [h.version for h in hist] == [1, 2, 3, 4, 5]
    image = images.get_image(indexed, image_id)
    assert image.status is S.IN_PROGRESS and image.annotation_count == 1


def test_redo_recreates_the_same_annotation_id(indexed: project_mod.Project) -> None:
    image_id, cls = _ids(indexed)
    shape = ann_mod.NewShape(
        cls["cat"], geo.ShapeKind.POLYGON, geo.Polygon(((0, 0), (9, 0), (9, 9))), id="fixed-id"
    )
    annotate.add_annotations(indexed, image_id, [shape])
    assert [a.id for a in annotate.list_annotations(indexed, image_id)] == ["fixed-id"]
    with pytest.raises(annotate.AnnotationError, match="exists already"):
        annotate.add_annotations(indexed, image_id, [shape])


def test_a_failed_edit_changes_nothing(indexed: project_mod.Project) -> None:
    image_id, cls = _ids(indexed)
    good = ann_mod.NewShape(cls["cat"], geo.ShapeKind.BOX, geo.Box(0, 0, 5, 5))
    bad = ann_mod.NewShape("no-such-class", geo.ShapeKind.BOX, geo.Box(0, 0, 5, 5))
    with pytest.raises(annotate.AnnotationError, match="unknown class"):
        annotate.add_annotations(indexed, image_id, [good, bad])
    assert annotate.list_annotations(indexed, image_id) == []
    assert annotate.history(indexed, image_id) == []
    assert images.get_image(indexed, image_id).status is S.NEW


def test_single_label_tags_replace_and_multi_label_tags_accumulate(
    indexed: project_mod.Project,
) -> None:
    image_id, cls = _ids(indexed)
    schema.set_tasks(indexed, schema_mod.TaskKinds(schema_mod.TagMode.SINGLE, frozenset()))
    annotate.set_tags(indexed, image_id, [cls["cat"]])
    annotate.set_tags(indexed, image_id, [cls["dog"]])
    assert annotate.tags_of(indexed, image_id) == [cls["dog"]]
    with pytest.raises(annotate.AnnotationError, match="one tag"):
        annotate.set_tags(indexed, image_id, [cls["cat"], cls["dog"]])
    schema.set_tasks(indexed, schema_mod.TaskKinds(schema_mod.TagMode.MULTI, frozenset()))
    annotate.set_tags(indexed, image_id, [cls["dog"], cls["bird"]])
    assert sorted(annotate.tags_of(indexed, image_id)) == sorted([cls["dog"], cls["bird"]])
    assert images.list_image_ids(indexed, images.ImageFilter(class_id=cls["bird"])) == [image_id]


def test_review_records_who_when_and_why_and_reject_needs_a_comment(
    indexed: project_mod.Project,
) -> None:
    image_id, _ = _ids(indexed)
    review.set_status(indexed, [image_id], S.DONE)
    with pytest.raises(review.ReviewError, match="comment"):
        review.set_status(indexed, [image_id], S.REJECTED)
    review.set_status(indexed, [image_id], S.REJECTED, "the left washer is missed")
    review.add_comment(indexed, image_id, "fixed?")
    log = review.review_log(indexed, image_id)
    assert [(e.action, e.to_status) for e in log] == [
        ("status", S.DONE),
        ("status", S.REJECTED),
        ("comment", S.REJECTED),
    ]
    assert log[1].comment == "the left washer is missed" and log[1].author == "tester"
    assert images.get_image(indexed, image_id).status is S.REJECTED


def test_done_with_zero_objects_counts_as_labeled(indexed: project_mod.Project) -> None:
    image_id, _ = _ids(indexed)
    review.set_status(indexed, [image_id], S.DONE)
    s = stats.statistics(indexed)
    assert s.labeled == 1 and s.per_status["done"] == 1 and s.per_status["new"] == 11
    assert images.count_images(indexed, images.ImageFilter(labeled=False)) == 11


def test_filters_paging_and_next_image(indexed: project_mod.Project) -> None:
    ids = images.list_image_ids(indexed)
    assert [i.rel_path for i in images.list_images(indexed, offset=10, limit=5)] == [
        "img_0010.jpg",
        "img_0011.jpg",
    ]
    assert images.count_images(indexed, images.ImageFilter(text="_001")) == 2
    assert images.count_images(indexed, images.ImageFilter(text="%")) == 0
    review.set_status(indexed, [ids[0], ids[1]], S.DONE)
    review.set_status(indexed, [ids[5]], S.NEEDS_REVIEW)
    unlabeled = images.ImageFilter(labeled=False)
    assert images.next_image_id(indexed, ids[0], unlabeled) == ids[2]
    assert images.next_image_id(indexed, ids[11], unlabeled) == ids[2]  # wraps around
    review_flt = images.ImageFilter(statuses=frozenset({S.NEEDS_REVIEW}))
    assert images.next_image_id(indexed, ids[0], review_flt) == ids[5]
    assert images.next_image_id(indexed, ids[5], review_flt) is None
    assert images.get_images(indexed, [ids[3], ids[1]])[0].id == ids[3]


def test_schema_edits_keep_ids_refuse_clashes_and_move_labels(indexed: project_mod.Project) -> None:
    image_id, cls = _ids(indexed)
    annotate.add_annotations(
        indexed, image_id, [ann_mod.NewShape(cls["cat"], geo.ShapeKind.BOX, geo.Box(0, 0, 4, 4))]
    )
    schema.update_class(indexed, cls["cat"], name="kitten", color="#00FF00")
    renamed = schema.find_class(indexed, "kitten")
    assert renamed.id == cls["cat"] and renamed.color == "#00ff00"
    with pytest.raises(schema_mod.SchemaError, match="hotkey '2' is taken by class 'dog'"):
        schema.update_class(indexed, cls["cat"], hotkey="2")
    with pytest.raises(schema_mod.SchemaError, match="exists already"):
        schema.add_class(indexed, "DOG")
    schema.merge_classes(indexed, [cls["cat"]], cls["dog"])
    assert schema.class_counts(indexed) == {cls["dog"]: 1}
    assert [c.name for c in schema.get_schema(indexed).classes] == ["dog", "bird"]
    schema.delete_class(indexed, cls["dog"], reassign_to=cls["bird"])
    assert schema.class_counts(indexed) == {cls["bird"]: 1}
    schema.delete_class(indexed, cls["bird"])
    assert annotate.list_annotations(indexed, image_id) == []
    schema.add_class(indexed, "x")
    schema.add_class(indexed, "y")
    ids = [c.id for c in schema.get_schema(indexed).classes]
    schema.reorder_classes(indexed, list(reversed(ids)))
    assert [c.name for c in schema.get_schema(indexed).classes] == ["y", "x"]


def test_project_attributes_are_defined_checked_and_removed(indexed: project_mod.Project) -> None:
    schema.add_attribute(
        indexed,
        "damage",
        schema_mod.AttributeKind.CHOICE,
        choices=["none", "minor", "severe"],
        default="none",
    )
    schema.add_attribute(indexed, "note", schema_mod.AttributeKind.TEXT)
    (damage, note) = schema.get_schema(indexed).attributes
    assert damage.choices == ("none", "minor", "severe") and damage.default == "none"
    assert note.kind is schema_mod.AttributeKind.TEXT
    for bad, match in (
        (
            lambda: schema.add_attribute(indexed, "Damage", schema_mod.AttributeKind.BOOL),
            "exists already",
        ),
        (
            lambda: schema.add_attribute(indexed, "crowd", schema_mod.AttributeKind.BOOL),
            "common attributes",
        ),
        (
            lambda: schema.add_attribute(
                indexed, "size", schema_mod.AttributeKind.CHOICE, choices=["big"]
            ),
            "two choices",
        ),
        (
            lambda: schema.add_attribute(
                indexed, "x", schema_mod.AttributeKind.CHOICE, choices=["a", "b"], default="c"
            ),
            "not one of",
        ),
    ):
        with pytest.raises(schema_mod.SchemaError, match=match):
            bad()
    schema.remove_attribute(indexed, "DAMAGE")
    assert [a.name for a in schema.get_schema(indexed).attributes] == ["note"]
