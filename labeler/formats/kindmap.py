"""Writing a label as the kind its format holds.

Each format's description (:mod:`labeler.formats.registry`, ``Format.written_as``) says, per
task, which kind each label kind is written as. The same kind means written exactly; another kind
means written as that kind's shape around it (a polygon's enclosing box) or equal to it (a box as
its four-corner polygon), and :func:`shape_for` reports it as ``<kind>_as_<written kind>`` so the
export report and the manifest count every label that changed kind; a kind missing from a row has
no place in that format, and the writer reports it (as ``tag_not_written`` and the like) and
leaves it out.
"""

from __future__ import annotations

from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.formats import base, registry

K = geo.ShapeKind


def written_as(format_name: str, task: str | None, kind: K) -> K | None:
    """The kind a label of ``kind`` is written as, or None when the format has no place for it."""
    return registry.get(format_name).written(task, kind)


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


def approximated(report: base.Report) -> dict[str, int]:
    """How many labels were written as another kind, by ``<kind>_as_<kind>`` code."""
    codes = {f"{a.value}_as_{b.value}" for a in K for b in K if a is not b}
    return {code: n for code, n in report.counts().items() if code in codes}
