"""What each kind of label becomes in each format: one table for every writer.

For every format (and task, for formats with more than one) the table says which kind each label
kind is written as. The same kind means written exactly; another kind means written as that
kind's shape around it (a polygon's enclosing box) or equal to it (a box as its four-corner
polygon), and :func:`shape_for` reports it as ``<kind>_as_<written kind>`` so the export report
and the manifest count every label that changed kind; a kind missing from a row has no place in
that format, and the writer reports it (as ``tag_not_written`` and the like) and leaves it out.

A new kind of label adds a column here: one entry per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.formats import base

K = geo.ShapeKind

_AS_BOX = {K.BOX: K.BOX, K.POLYGON: K.BOX, K.ROTATED_BOX: K.BOX}
_AS_POLYGON = {K.BOX: K.POLYGON, K.POLYGON: K.POLYGON, K.ROTATED_BOX: K.POLYGON}
_AS_ROTATED = {K.BOX: K.ROTATED_BOX, K.POLYGON: K.ROTATED_BOX, K.ROTATED_BOX: K.ROTATED_BOX}
_TAGS = {K.TAG: K.TAG}

#: Format → task (None for formats without tasks) → label kind → the kind it is written as.
#: Tasks are listed in the order a format offers them.
TABLE: dict[str, dict[str | None, Mapping[K, K]]] = {
    "coco": {None: {K.BOX: K.BOX, K.POLYGON: K.POLYGON, K.ROTATED_BOX: K.POLYGON}},
    "yolo": {
        "detect": _AS_BOX,
        "segment": _AS_POLYGON,
        "obb": _AS_ROTATED,
        "classify": _TAGS,
    },
    "voc": {None: _AS_BOX},
    "azureml": {
        "detect": _AS_BOX,
        "segment": _AS_POLYGON,
        "multiclass": _TAGS,
        "multilabel": _TAGS,
    },
    "csv": {None: _TAGS},
    "labelme": {None: {K.BOX: K.BOX, K.POLYGON: K.POLYGON, K.ROTATED_BOX: K.POLYGON, K.TAG: K.TAG}},
    "createml": {None: _AS_BOX},
    "dota": {None: _AS_ROTATED},
}


def tasks(format_name: str) -> tuple[str, ...]:
    """The tasks of a format, in the order it offers them (empty for formats without tasks)."""
    return tuple(t for t in TABLE[format_name] if t is not None)


def written_as(format_name: str, task: str | None, kind: K) -> K | None:
    """The kind a label of ``kind`` is written as, or None when the format has no place for it."""
    return TABLE[format_name][task].get(kind)


def shape_for(label: base.Label, target: K, report: base.Report, where: str) -> geo.Shape:
    """``label``'s shape as a shape of kind ``target``; a change of kind is reported."""
    shape = label.geometry
    assert shape is not None, "tags have no shape to write"
    if label.kind is target:
        return shape
    out, exact = kinds.convert(shape, target)
    src, dst = kinds.spec(label.kind), kinds.spec(target)
    how = f"as the same {dst.name}" if exact else f"as the {dst.name} around it"
    report.add(f"{label.kind.value}_as_{target.value}", where, f"{src.name} written {how}")
    return out


#: Which task wins when several keep the same number of kinds as themselves: a box and rotated
#: box project exports oriented boxes, a box and polygon project boxes (as it always has).
_PREFERENCE: dict[str, tuple[str, ...]] = {
    "yolo": ("obb", "detect", "segment", "classify"),
    "azureml": ("detect", "segment", "multiclass", "multilabel"),
}


def best_task(format_name: str, present: Iterable[K]) -> str | None:
    """The task that writes the most of the ``present`` kinds as themselves, or None for a
    format without tasks. Ties go to the format's preferred task; with no kind kept anywhere,
    the format's first task."""
    options = _PREFERENCE.get(format_name) or tasks(format_name)
    if not options:
        return None
    wanted = set(present)

    def kept(task: str) -> int:
        row = TABLE[format_name][task]
        return sum(1 for k in wanted if row.get(k) is k)

    best = max(options, key=lambda t: (kept(t), -options.index(t)))
    # Nothing kept anywhere (no labels yet): the format's first task.
    return best if kept(best) else tasks(format_name)[0]


def approximated(report: base.Report) -> dict[str, int]:
    """How many labels were written as another kind, by ``<kind>_as_<kind>`` code."""
    codes = {f"{a.value}_as_{b.value}" for a in K for b in K if a is not b}
    return {code: n for code, n in report.counts().items() if code in codes}
