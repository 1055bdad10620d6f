"""What each dataset format is, said once: read by the command line, the app's dialogs and the
sync service's export route.

A :class:`Format` names a format, its tasks, how it numbers classes, how it writes each shape
kind (a kind missing from ``kinds`` is not written and is reported), what it cannot hold, and
the options it takes on export and import. The module that implements it is loaded only when
the format is used: every format module exposes ``WRITER`` and ``READER`` (either may be None
when labeler does not support that direction), and a module whose reader takes options also has
``reader_with(options)``. Asking for a direction a format lacks raises :class:`FormatUnavailable`
naming the format, so an unsupported import is never silently ignored.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
from collections.abc import Callable, Collection, Mapping
from typing import Any

from labeler import errors
from labeler.domain import geometry as geo
from labeler.formats import base

K = geo.ShapeKind


class FormatUnavailable(errors.UserError, ValueError):
    """The format is unknown, or labeler does not read (or write) it."""


@dataclasses.dataclass(frozen=True, slots=True)
class Option:
    """An option a format takes beyond the common ones (the flag is ``--`` + name with dashes).

    Attributes:
        name: key in the options mapping (``voc_coordinates``).
        help: one line for ``--help`` and the dialog's tooltip.
        choices: allowed values; empty for free text.
        default: the value used when the option is not given (None: not set).
        metavar: how ``--help`` shows a free-text value.
        label: how the app's dialogs name the field.
    """

    name: str
    help: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    metavar: str = "TEXT"
    label: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


TaskRule = Callable[[Collection[geo.ShapeKind], bool], str | None]
"""(kinds of labels present, whether an image has several tags) → the task, None for none."""


@dataclasses.dataclass(frozen=True, slots=True)
class Format:
    """One dataset format as users meet it.

    Attributes:
        name: what users type (``--format NAME``).
        title: how the app lists it.
        module: the module implementing it, inside ``labeler.formats``.
        reads, writes: whether labeler imports / exports it.
        layout: the files an export writes, in one line.
        tasks: the export's tasks (``--task``); empty when the format takes none.
        task_aliases: other task names accepted, and what they mean.
        class_ids: how classes are numbered or named in the files.
        first_class_id: the first integer class id written (None: names only).
        kinds: how each shape kind is written, in words; a kind that is not a key is not
            written, and every label of it is reported.
        written_as: per task (None for a format without tasks), the kind each label kind is
            written as — the same kind: exactly; another: as that kind's shape around it (or
            equal to it), reported by ``kindmap.shape_for``; missing: not written. The writers
            and the default task read this table; ``kinds`` says the same in words.
        task_preference: which task wins when several keep as many kinds as themselves.
        cannot_hold: what the format has no place for (besides unwritten kinds).
        export_options, import_options: options beyond the common ones.
        choose_task: the task the labels call for when none is given.
    """

    name: str
    title: str
    module: str
    reads: bool
    writes: bool
    layout: str
    class_ids: str
    first_class_id: int | None
    kinds: Mapping[geo.ShapeKind, str]
    written_as: Mapping[str | None, Mapping[geo.ShapeKind, geo.ShapeKind]]
    cannot_hold: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    task_aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)
    export_options: tuple[Option, ...] = ()
    import_options: tuple[Option, ...] = ()
    task_preference: tuple[str, ...] = ()
    choose_task: TaskRule | None = None

    def default_task(self, kinds: Collection[geo.ShapeKind], several_tags: bool) -> str | None:
        """The task for labels of ``kinds`` (None when the format takes no task): the format's
        own rule where it has one, else the task that writes the most of ``kinds`` as
        themselves (ties to :attr:`task_preference`; with none kept, the first task). Images
        with several tags prefer a multi-label task."""
        if self.choose_task is not None:
            return self.choose_task(kinds, several_tags)
        if not self.tasks:
            return None
        order = list(self.task_preference or self.tasks)
        if several_tags and "multilabel" in order and "multiclass" in order:
            order.remove("multilabel")
            order.insert(order.index("multiclass"), "multilabel")
        wanted = set(kinds)

        def kept(task: str) -> int:
            row = self.written_as.get(task, {})
            return sum(1 for k in wanted if row.get(k) is k)

        best = max(order, key=lambda t: (kept(t), -order.index(t)))
        return best if kept(best) else self.tasks[0]

    def kept(self, kinds: Collection[geo.ShapeKind]) -> int:
        """How many of ``kinds`` the format's best task writes as themselves."""
        rows = self.written_as.values()
        return max((sum(1 for k in set(kinds) if row.get(k) is k) for row in rows), default=0)

    def written(self, task: str | None, kind: geo.ShapeKind) -> geo.ShapeKind | None:
        """The kind a label of ``kind`` is written as for ``task``, None when not written."""
        return self.written_as.get(task, {}).get(kind)

    def task_of(self, task: str | None) -> str | None:
        """``task`` as one of :attr:`tasks` (aliases resolved; None stays None).

        Raises:
            base.OptionError: naming the format's tasks when ``task`` is not one of them.
        """
        if task is None or not task.strip() or task.strip().lower() == "auto":
            return None
        key = task.strip().lower()
        key = self.task_aliases.get(key, key)
        if key in self.tasks:
            return key
        if not self.tasks:
            raise base.OptionError(f"the {self.name} format takes no task (got {task!r})")
        raise base.OptionError(
            f"the {self.name} format's tasks are {', '.join(self.tasks)}; {task!r} is not one"
        )

    def check_options(self, given: Mapping[str, Any], direction: str) -> dict[str, str]:
        """The format's options from ``given`` (None values dropped), defaults filled in.

        Raises:
            base.OptionError: for an option the format does not take in that direction, or a
                value that is not one of its choices.
        """
        table = self.export_options if direction == "export" else self.import_options
        known = {o.name: o for o in table}
        out: dict[str, str] = {}
        for name, value in given.items():
            if value is None or value == "":
                continue
            option = known.get(name)
            if option is None:
                flag = "--" + name.replace("_", "-")
                raise base.OptionError(
                    f"the {self.name} format does not take {flag} on {direction}"
                )
            text = str(value).strip()
            if option.choices and text not in option.choices:
                raise base.OptionError(
                    f"{option.flag} takes {', '.join(option.choices)}, not {text!r}"
                )
            out[name] = text
        for option in table:
            if option.name not in out and option.default is not None:
                out[option.name] = option.default
        return out


def _csv_task(kinds: Collection[geo.ShapeKind], several_tags: bool) -> str:
    return "multilabel" if several_tags or not kinds or K.TAG not in kinds else "multiclass"


_AS_BOX = {K.BOX: K.BOX, K.POLYGON: K.BOX, K.ROTATED_BOX: K.BOX}
_AS_POLYGON = {K.BOX: K.POLYGON, K.POLYGON: K.POLYGON, K.ROTATED_BOX: K.POLYGON}
_AS_ROTATED = {K.BOX: K.ROTATED_BOX, K.POLYGON: K.ROTATED_BOX, K.ROTATED_BOX: K.ROTATED_BOX}
_TAGS = {K.TAG: K.TAG}

#: Azure ML: where the images live, so AutoML and mltable can open every ``image_url``.
AZUREML_OPTIONS = (
    Option(
        "datastore",
        "Azure ML datastore the images are uploaded to (the export says how)",
        metavar="NAME",
        label="Datastore",
    ),
    Option(
        "datastore_path",
        "folder in the datastore for this export (default: the output folder's name)",
        metavar="PATH",
        label="Datastore folder",
    ),
    Option(
        "subscription", "Azure subscription id of the workspace", metavar="ID", label="Subscription"
    ),
    Option(
        "resource_group", "resource group of the workspace", metavar="NAME", label="Resource group"
    ),
    Option("workspace", "Azure ML workspace name", metavar="NAME", label="Workspace"),
    Option(
        "azureml_config",
        "the workspace's config.json (as the Azure ML SDK reads it; default: found in the "
        "current folder or a parent, or .azureml/config.json there)",
        metavar="FILE",
        label="Workspace config.json",
    ),
    Option(
        "image_url_prefix",
        "image URL prefix instead of a datastore: azureml://subscriptions/…/datastores/…/paths/…/, "
        "https://, wasbs://, abfss:// or file://",
        metavar="URL",
        label="Image URL prefix",
    ),
)

VOC_COORDINATES = ("devkit", "continuous")

FORMATS: tuple[Format, ...] = (
    Format(
        name="coco",
        title="COCO (JSON)",
        module="coco",
        reads=True,
        writes=True,
        layout="annotations/instances_<split>.json, images/<split>/<path>",
        class_ids="category_id 1..n in the exported class order",
        first_class_id=1,
        kinds={
            K.BOX: "bbox [x, y, w, h]; segmentation is the box's outline (4 points)",
            K.POLYGON: "segmentation polygon, with its bbox and area",
            K.ROTATED_BOX: "its 4-corner polygon (reported)",
        },
        written_as={None: {K.BOX: K.BOX, K.POLYGON: K.POLYGON, K.ROTATED_BOX: K.POLYGON}},
        cannot_hold=("image tags",),
    ),
    Format(
        name="yolo",
        title="YOLO (Ultralytics)",
        module="yolo",
        reads=True,
        writes=True,
        layout="data.yaml, images/<split>/<file>, labels/<split>/<file>.txt (flat folders)",
        class_ids="0..n-1 in the exported class order (classify: sorted class folder names)",
        first_class_id=0,
        kinds={
            K.BOX: "detect: cx cy w h (normalized); segment: its 4 corners; obb: its 4 corners",
            K.POLYGON: "segment: x1 y1 x2 y2 … (normalized); detect: its bounding box; obb: the "
            "smallest rotated box around it",
            K.ROTATED_BOX: "obb: x1 y1 … x4 y4 (normalized corners); detect: its bounding box; "
            "segment: its 4 corners",
            K.TAG: "classify: <split>/<class>/<file> (one tag per image)",
        },
        written_as={
            "detect": _AS_BOX,
            "segment": _AS_POLYGON,
            "obb": _AS_ROTATED,
            "classify": _TAGS,
        },
        cannot_hold=("attributes", "more than one tag per image (classify)"),
        tasks=("detect", "segment", "obb", "classify"),
        # A box and rotated box project exports oriented boxes, a box and polygon project boxes.
        task_preference=("obb", "detect", "segment", "classify"),
    ),
    Format(
        name="voc",
        title="Pascal VOC (XML)",
        module="voc",
        reads=True,
        writes=True,
        layout="Annotations/<file>.xml, JPEGImages/<file>, ImageSets/Main/<split>.txt, "
        "labelmap.txt (flat folders)",
        class_ids="class names (labelmap.txt lists them in the exported order)",
        first_class_id=None,
        kinds={
            K.BOX: "bndbox in whole pixels, 1-based (devkit) or as continuous coordinates",
            K.POLYGON: "its bounding box (reported)",
            K.ROTATED_BOX: "its bounding box (reported)",
        },
        written_as={None: _AS_BOX},
        cannot_hold=("image tags", "polygon outlines", "rotated boxes"),
        export_options=(
            Option(
                "voc_coordinates",
                "devkit: 1-based whole pixels (xmin = x + 1, xmax = x + w, as the VOC devkit, "
                "supervision and torchvision count); continuous: 0-based fractional pixel "
                "coordinates (as datumaro and Roboflow write)",
                choices=VOC_COORDINATES,
                default="devkit",
                label="VOC pixels",
            ),
        ),
        import_options=(
            Option(
                "voc_coordinates",
                "how the files count pixels; auto: a labeler manifest says, else continuous "
                "when a datumaro labelmap.txt is present or a value is 0 or fractional, else "
                "devkit",
                choices=("auto", *VOC_COORDINATES),
                default="auto",
                label="VOC pixels",
            ),
        ),
    ),
    Format(
        name="azureml",
        title="Azure ML (JSONL + MLTable)",
        module="azureml",
        reads=True,
        writes=True,
        layout="<split>/<split>_annotations.jsonl, <split>/MLTable, images/<path>",
        class_ids="class names",
        first_class_id=None,
        kinds={
            K.BOX: "detect: topX/topY/bottomX/bottomY (normalized); segment: 4-corner polygon",
            K.POLYGON: "segment: polygon (normalized); detect: its bounding box",
            K.ROTATED_BOX: "detect: its bounding box; segment: its 4-corner polygon",
            K.TAG: "multiclass: label; multilabel: list of labels",
        },
        written_as={
            "detect": _AS_BOX,
            "segment": _AS_POLYGON,
            "multiclass": _TAGS,
            "multilabel": _TAGS,
        },
        cannot_hold=("attributes other than isCrowd",),
        tasks=("detect", "segment", "multiclass", "multilabel"),
        task_aliases={
            "detection": "detect",
            "segmentation": "segment",
            "classify": "multiclass",
            "classification": "multiclass",
        },
        export_options=AZUREML_OPTIONS,
    ),
    Format(
        name="csv",
        title="CSV (one row per image)",
        module="csvtags",
        reads=True,
        writes=True,
        layout="<split>.csv (path,label or path,labels), images/<path>",
        class_ids="class names",
        first_class_id=None,
        kinds={
            K.TAG: "label (multiclass) or ;-separated labels (multilabel)",
            K.BOX: "without tags: the image's classes (multilabel presence)",
            K.POLYGON: "without tags: the image's classes (multilabel presence)",
            K.ROTATED_BOX: "without tags: the image's classes (multilabel presence)",
        },
        written_as={"multiclass": _TAGS, "multilabel": _TAGS},
        cannot_hold=("object geometry", "attributes"),
        tasks=("multiclass", "multilabel"),
        task_aliases={"classify": "multiclass", "classification": "multiclass"},
        choose_task=_csv_task,
    ),
    Format(
        name="labelme",
        title="labelme (JSON per image)",
        module="labelme",
        reads=True,
        writes=True,
        layout="<split>/<path> with <split>/<path stem>.json beside each image",
        class_ids="class names",
        first_class_id=None,
        kinds={
            K.BOX: "rectangle shape",
            K.POLYGON: "polygon shape",
            K.ROTATED_BOX: "polygon shape of its 4 corners (reported)",
            K.TAG: "image flag",
        },
        written_as={
            None: {K.BOX: K.BOX, K.POLYGON: K.POLYGON, K.ROTATED_BOX: K.POLYGON, K.TAG: K.TAG}
        },
        cannot_hold=("attributes that are not true/false (except description)",),
    ),
    Format(
        name="createml",
        title="Create ML (JSON)",
        module="createml",
        reads=False,
        writes=True,
        layout="<split>/_annotations.createml.json beside <split>/<path>",
        class_ids="class names",
        first_class_id=None,
        kinds={
            K.BOX: "coordinates x, y (centre), width, height in pixels",
            K.POLYGON: "its bounding box (reported)",
            K.ROTATED_BOX: "its bounding box (reported)",
        },
        written_as={None: _AS_BOX},
        cannot_hold=("image tags", "attributes"),
    ),
    Format(
        name="dota",
        title="DOTA (oriented boxes)",
        module="dota",
        reads=True,
        writes=True,
        layout="<split>/labelTxt/<file>.txt (x1 y1 … x4 y4 class difficult), "
        "<split>/images/<file> (flat folders)",
        class_ids="class names (spaces written as -)",
        first_class_id=None,
        kinds={
            K.ROTATED_BOX: "its 4 corners in pixels",
            K.BOX: "its 4 corners",
            K.POLYGON: "the smallest rotated box around it (reported)",
        },
        written_as={None: _AS_ROTATED},
        cannot_hold=("image tags", "attributes other than difficult"),
    ),
)

_BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}

#: The format names users type, in the order the command line lists them.
FORMAT_NAMES: tuple[str, ...] = tuple(_BY_NAME)

#: Every task any format takes, in the order first listed.
ALL_TASKS: tuple[str, ...] = tuple(dict.fromkeys(t for f in FORMATS for t in f.tasks))


def get(name: str) -> Format:
    """The description of format ``name`` (case and surrounding spaces ignored).

    Raises:
        FormatUnavailable: for a name that is not one of :data:`FORMAT_NAMES`.
    """
    key = name.strip().lower()
    if key not in _BY_NAME:
        raise FormatUnavailable(
            f"unknown format {name!r}; expected one of: {', '.join(FORMAT_NAMES)}"
        )
    return _BY_NAME[key]


def readable() -> tuple[Format, ...]:
    """The formats labeler imports, in the command line's order."""
    return tuple(f for f in FORMATS if f.reads)


def writable() -> tuple[Format, ...]:
    """The formats labeler exports, in the command line's order."""
    return tuple(f for f in FORMATS if f.writes)


def suited(kinds: Collection[geo.ShapeKind]) -> Format:
    """The format to offer first for labels of ``kinds``: the first exported format (in the
    command line's order) that writes the most of them as themselves — COCO for boxes and
    polygons, YOLO's classify folders for tags alone, labelme for tags with shapes."""
    return max(writable(), key=lambda f: f.kept(kinds))


def options(direction: str) -> tuple[Option, ...]:
    """Every format option of ``direction`` (export or import), each name once."""
    seen: dict[str, Option] = {}
    for f in FORMATS:
        for option in f.export_options if direction == "export" else f.import_options:
            seen.setdefault(option.name, option)
    return tuple(seen.values())


def module(name: str) -> types.ModuleType:
    """The module implementing format ``name``.

    Raises:
        FormatUnavailable: for a name that is not one of :data:`FORMAT_NAMES`.
    """
    return importlib.import_module(f"labeler.formats.{get(name).module}")


def writer(name: str) -> base.Writer:
    """The writer of format ``name``.

    Raises:
        FormatUnavailable: when the format is unknown or labeler cannot write it.
    """
    found: base.Writer | None = getattr(module(name), "WRITER", None)
    if found is None:
        raise FormatUnavailable(f"labeler cannot export to the {name} format")
    return found


def reader(name: str, options: Mapping[str, str] | None = None) -> base.Reader:
    """The reader of format ``name``, set up with its import ``options``.

    Raises:
        FormatUnavailable: when the format is unknown or labeler cannot read it (for example
            CreateML input), naming the format.
        base.OptionError: for an option the format does not take.
    """
    mod = module(name)
    found: base.Reader | None = getattr(mod, "READER", None)
    if found is None:
        raise FormatUnavailable(f"labeler cannot import datasets in the {name} format")
    chosen = get(name).check_options(options or {}, "import")
    make = getattr(mod, "reader_with", None)
    if options and make is not None:
        made: base.Reader = make(chosen)
        return made
    return found
