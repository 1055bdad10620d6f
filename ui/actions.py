"""Every user action of the main window, declared in one table.

Each row names an action, its menu text, its default keys and its tooltip. Keys can be changed by
the user (stored in QSettings, see :mod:`ui.settings`); at start the keys are checked for clashes and
a clash is reported and resolved (the later action loses the clashing key) rather than kept, since Qt
would otherwise fire neither action ("ambiguous shortcut").

Keys the canvas claims while it has focus (it accepts Qt's ShortcutOverride for them, so they
reach the canvas instead of these actions): ← → ↑ ↓ while a shape is selected (nudge; without a
selection ← and → change image), Delete/Backspace with a selection (the same delete request),
Enter while a polygon or rotated box is being drawn (closes it), ``[`` and ``]`` while a rotated
box is selected (turn it), and Space (held, it pans; the canvas passes a tap on to the window, so a
tap is still "done and next").

Class hotkeys (1–9 and any letter a class was given) are not in this table: they follow the
schema and are made by :class:`ui.controllers.keys.ClassHotkeys`; what they do in each kind of
project is said once, by :func:`class_key_roles` (the ``?`` sheet, the tags panel and the README
all say it in these words).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from PySide6 import QtCore, QtGui

from labeler.domain import schema as schema_mod


@dataclasses.dataclass(frozen=True, slots=True)
class ActionSpec:
    """One row of the action table.

    Attributes:
        name: stable identifier (used in settings and by controllers).
        text: menu text (``&`` marks the mnemonic).
        keys: default key sequences in portable text form (``"Ctrl+Z"``), first one shown in menus.
        tip: one line saying what the action does.
        menu: the menu it appears in.
        checkable: a toggle (hide labels, tools).
    """

    name: str
    text: str
    keys: tuple[str, ...]
    tip: str
    menu: str
    checkable: bool = False


def _a(
    name: str, text: str, keys: Sequence[str], tip: str, menu: str, checkable: bool = False
) -> ActionSpec:
    return ActionSpec(name, text, tuple(keys), tip, menu, checkable)


ACTIONS: tuple[ActionSpec, ...] = (
    # Navigation
    _a("next_image", "&Next image", ["D", "Right"], "Show the next image", "Go"),
    _a("previous_image", "&Previous image", ["A", "Left"], "Show the previous image", "Go"),
    _a("first_image", "&First image", ["Home"], "Show the first image of the list", "Go"),
    _a("last_image", "&Last image", ["End"], "Show the last image of the list", "Go"),
    _a("next_unlabeled", "Next &unlabeled", ["N"], "Jump to the next image not labeled yet", "Go"),
    _a("next_review", "Next needing &review", ["Shift+N"], "Jump to the next image to review", "Go"),
    # Workflow
    _a("done_next", "Mark &done and next", ["Space", "Return", "Enter"],
       "Mark this image done (no objects is a valid answer) and go on", "Image"),
    _a("skip", "&Skip", ["K"], "Mark this image skipped and go on", "Image"),
    _a("flag_review", "&Flag for review", ["R"], "Ask a reviewer to look at this image", "Image"),
    _a("approve", "&Approve", ["Y"], "Approve this image (reviewer) and go on", "Image"),
    _a("reject", "Re&ject…", ["X"], "Send this image back with a comment (reviewer)", "Image"),
    # Tools
    _a("tool_select", "&Select", ["S", "V"], "Select and edit shapes", "Tools", True),
    _a("tool_box", "&Box", ["B"], "Draw boxes", "Tools", True),
    _a("tool_polygon", "&Polygon", ["P"], "Draw polygons", "Tools", True),
    _a("tool_rotated_box", "R&otated box", ["O"],
       "Draw rotated boxes: two clicks along one edge, a third for the width", "Tools", True),
    _a("tool_segment", "Se&gment (click)", ["M"],
       "Click an object (Shift+click: not the object; drag: a box) to outline it", "Tools", True),
    _a("pick_class", "&Class…", ["C"], "Choose the class by typing part of its name", "Tools"),
    # Edit
    _a("undo", "&Undo", ["Ctrl+Z"], "Undo the last change on this image", "Edit"),
    _a("redo", "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo the change undone last", "Edit"),
    _a("delete", "&Delete", ["Delete", "Backspace"], "Delete the selected shapes", "Edit"),
    _a("copy", "&Copy shapes", ["Ctrl+C"], "Copy the selected shapes", "Edit"),
    _a("paste", "&Paste shapes", ["Ctrl+V"], "Paste copied shapes onto this image", "Edit"),
    _a("toggle_difficult", "Toggle di&fficult", ["Alt+1"], "Mark selected shapes difficult", "Edit"),
    _a("toggle_truncated", "Toggle &truncated", ["Alt+2"], "Mark selected shapes truncated", "Edit"),
    _a("toggle_occluded", "Toggle &occluded", ["Alt+3"], "Mark selected shapes occluded", "Edit"),
    _a("toggle_crowd", "Toggle c&rowd", ["Alt+4"], "Mark selected shapes as a crowd", "Edit"),
    _a("edit_schema", "&Classes…", ["Ctrl+Shift+K"], "Add, rename, recolour, merge classes", "Edit"),
    _a("set_author", "Your &name…", [], "The name your changes are signed with", "Edit"),
    _a("project_settings", "Project &settings…", ["Ctrl+,"],
       "Turn kinds of labels (tags, boxes, rotated boxes, polygons) on or off", "Edit"),
    # View
    _a("fit", "&Fit", ["F", "Ctrl+0"], "Fit the image to the window", "View"),
    _a("zoom_actual", "&Actual size", ["Ctrl+1"], "Show the image at 100 %", "View"),
    _a("zoom_in", "Zoom &in", ["Ctrl++", "Ctrl+="], "Zoom in", "View"),
    _a("zoom_out", "Zoom &out", ["Ctrl+-"], "Zoom out", "View"),
    _a("toggle_labels", "&Hide labels", ["H"], "Hide or show the class names on the shapes", "View", True),
    _a("shortcuts", "&Keyboard shortcuts", ["?", "F1"], "Show every key", "Help"),
    # Model assistance
    _a("suggestion_accept", "&Accept suggestion", ["Q"],
       "Make a label of the current suggestion and go to the next", "Assist"),
    _a("suggestion_reject", "&Reject suggestion", ["W"],
       "Turn the current suggestion down (it is not suggested again) and go to the next", "Assist"),
    _a("suggestion_accept_all", "Accept &all on this image", ["Shift+Q"],
       "Make labels of every suggestion shown on this image", "Assist"),
    _a("suggestion_next", "&Next suggestion", ["E"], "Make the next suggestion current", "Assist"),
    _a("suggestion_check_next", "Next image to &check", ["Shift+E"],
       "Go to the image whose suggestion is least certain", "Assist"),
    _a("prelabel_image", "&Pre-label this image", ["L"],
       "Run the chosen model on this image", "Assist"),
    _a("prelabel_batch", "Pre-label &images…", ["Ctrl+Shift+L"],
       "Run the chosen model on many images, with progress and cancel", "Assist"),
    # Projects and datasets
    _a("open_project", "&Open project or folder…", ["Ctrl+O"],
       "Open a .labeler project or a folder of images instead of this project", "File"),
    _a("add_folder", "&Add image folder…", [], "Add a folder of images to this project", "File"),
    _a("import_labels", "&Import labels…", ["Ctrl+I"],
       "Import labels from a COCO, YOLO, VOC, labelme, Azure ML or CSV dataset", "File"),
    _a("export_dataset", "&Export dataset…", ["Ctrl+E"],
       "Write a training dataset (COCO, YOLO, VOC, Azure ML, CSV, labelme, CreateML)", "File"),
    _a("sync_connect", "S&ync with a server…", [],
       "Publish this project on a team's sync server, or join the server's project", "File"),
    _a("sync_now", "&Sync now", ["F5"], "Send this project's edits and get the team's now", "File"),
    _a("quit", "&Quit", ["Ctrl+Q"], "Close the project (everything is saved)", "File"),
)  # fmt: skip

MENUS: tuple[str, ...] = ("File", "Edit", "Go", "Image", "Tools", "Assist", "View", "Help")

#: What class keys add to set image tags in projects that draw shapes too (the plain key chooses
#: the drawing class there).
TAG_MODIFIER = "Shift+"

DRAW_TEXT = "draw with this class, and give it to the selected shapes"
SINGLE_TAG_ONLY_TEXT = (
    "tag the image with this class, which marks it done, and go to the next image"
)
SINGLE_TAG_TEXT = "set the image's tag to this class"
MULTI_TAG_TEXT = "switch this tag of the image on or off"


@dataclasses.dataclass(frozen=True, slots=True)
class ClassKeyRole:
    """What a class's key does, with or without a modifier, in one kind of project.

    Attributes:
        modifier: "" for the class's own key, or :data:`TAG_MODIFIER`.
        tags: the key sets image tags (True) or chooses the drawing class (False).
        text: what it does, in the words every text of the app uses.
    """

    modifier: str
    tags: bool
    text: str


def class_key_roles(tasks: schema_mod.TaskKinds) -> tuple[ClassKeyRole, ...]:
    """The roles of class keys in a project with these kinds of labels.

    Tag-only projects: the key sets (single-label; the answer, so the image is done) or
    switches (multi-label) the tag. Projects with shapes: the key chooses the drawing class; with
    tags too, Shift and the key set or switch the tag, so both can be done by key.
    """
    shapes = bool(tasks.shapes)
    multi = tasks.tags is schema_mod.TagMode.MULTI
    if tasks.tags is schema_mod.TagMode.NONE:
        return (ClassKeyRole("", False, DRAW_TEXT),)
    if not shapes:
        return (ClassKeyRole("", True, MULTI_TAG_TEXT if multi else SINGLE_TAG_ONLY_TEXT),)
    return (
        ClassKeyRole("", False, DRAW_TEXT),
        ClassKeyRole(TAG_MODIFIER, True, MULTI_TAG_TEXT if multi else SINGLE_TAG_TEXT),
    )


BY_NAME: dict[str, ActionSpec] = {spec.name: spec for spec in ACTIONS}


@dataclasses.dataclass(frozen=True, slots=True)
class Clash:
    """A key given to two actions: ``loser`` does not get it."""

    key: str
    kept: str
    loser: str

    def message(self) -> str:
        kept = BY_NAME[self.kept].text.replace("&", "") if self.kept in BY_NAME else self.kept
        lost = BY_NAME[self.loser].text.replace("&", "") if self.loser in BY_NAME else self.loser
        return f"{self.key} is set for both “{kept}” and “{lost}”; it stays with “{kept}”"


def normalise(key: str) -> str:
    """Portable, canonical text of one key sequence (``"ctrl+z"`` → ``"Ctrl+Z"``); "" if invalid."""
    seq = QtGui.QKeySequence(key.strip())
    if seq.isEmpty() or seq.count() == 0:
        return ""
    return seq.toString(QtGui.QKeySequence.SequenceFormat.PortableText)


def parse_keys(text: str) -> tuple[str, ...]:
    """Keys as stored in settings: sequences separated by ``;`` (empty text means no key)."""
    return tuple(k for k in (normalise(part) for part in text.split(";")) if k)


def resolve_keys(
    specs: Iterable[ActionSpec],
    overrides: Mapping[str, str],
    reserved: Mapping[str, str] | None = None,
) -> tuple[dict[str, tuple[str, ...]], list[Clash]]:
    """The keys each action gets, and the clashes found.

    Args:
        specs: the action table, in priority order (earlier rows keep a contested key).
        overrides: the user's keys per action name (``;``-separated text), replacing the defaults.
        reserved: keys already taken by something else (key → owner name), e.g. class hotkeys.

    Returns:
        The keys of every action (clashing keys removed from the later action) and the clashes.
    """
    owner: dict[str, str] = dict(reserved or {})
    result: dict[str, tuple[str, ...]] = {}
    clashes: list[Clash] = []
    for spec in specs:
        wanted = (
            parse_keys(overrides[spec.name])
            if spec.name in overrides
            else tuple(normalise(k) for k in spec.keys)
        )
        kept: list[str] = []
        for key in wanted:
            if not key or key in kept:
                continue
            if key in owner:
                clashes.append(Clash(key, owner[key], spec.name))
                continue
            owner[key] = spec.name
            kept.append(key)
        result[spec.name] = tuple(kept)
    return result, clashes


class ActionSet(QtCore.QObject):
    """The main window's QActions, made from :data:`ACTIONS`.

    Attributes:
        clashes: the clashes found when keys were assigned (reported by the main window).
    """

    def __init__(self, parent: QtCore.QObject, overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(parent)
        self._actions: dict[str, QtGui.QAction] = {}
        for spec in ACTIONS:
            action = QtGui.QAction(spec.text, parent)
            action.setObjectName(spec.name)
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
            action.setCheckable(spec.checkable)
            # Actions live on the main window and fire wherever focus is inside it.
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            self._actions[spec.name] = action
        self.clashes: list[Clash] = []
        self.apply_keys(overrides or {})

    def apply_keys(self, overrides: Mapping[str, str]) -> list[Clash]:
        """Give every action its keys (defaults replaced by ``overrides``); return the clashes."""
        keys, self.clashes = resolve_keys(ACTIONS, overrides)
        for name, action in self._actions.items():
            action.setShortcuts([QtGui.QKeySequence(k) for k in keys[name]])
        return self.clashes

    def __getitem__(self, name: str) -> QtGui.QAction:
        return self._actions[name]

    def all(self) -> list[QtGui.QAction]:
        return list(self._actions.values())

    def keys_of(self, name: str) -> list[str]:
        """The keys of an action as a user reads them (native text)."""
        return [
            s.toString(QtGui.QKeySequence.SequenceFormat.NativeText)
            for s in self._actions[name].shortcuts()
        ]

    def taken_keys(self) -> dict[str, str]:
        """Every key in use → the action name holding it (portable text)."""
        return {
            s.toString(QtGui.QKeySequence.SequenceFormat.PortableText): name
            for name, action in self._actions.items()
            for s in action.shortcuts()
        }
