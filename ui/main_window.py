"""The main window: builds the widgets and controllers and connects them. No behaviour lives here."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema as schema_mod
from ui import actions as actions_mod
from ui import document, fields
from ui import settings as settings_mod
from ui.canvas import kinds as canvas_kinds
from ui.controllers import (
    appearance,
    current,
    dialogs,
    keys,
    labeling,
    levels,
    panels,
    progress,
    undo,
)
from ui.controllers import workflow as workflow_mod
from ui.panels import (
    annotation_panel,
    attributes_panel,
    class_panel,
    conflicts_panel,
    levels_panel,
    review_panel,
    status_bar,
    suggestions_panel,
    tags_panel,
)

DockArea = QtCore.Qt.DockWidgetArea

#: The canvas never gets smaller than this, whatever the panels' saved widths.
CANVAS_MIN_WIDTH = 240
CANVAS_MIN_HEIGHT = 200


class MainWindow(QtWidgets.QMainWindow):
    """labeler's workbench window.

    Args:
        doc: the open project.
        canvas: the image canvas (``ui.canvas`` interface).
        browser: the image browser (``ui.browser.widget`` interface).
        loader: the image loader (``ui.images.loader`` interface).

    Signals:
        closing(): the window is about to close (state is saved by the app on it).
    """

    closing = QtCore.Signal()

    def __init__(
        self,
        doc: document.ProjectDocument,
        canvas: Any,
        browser: Any,
        loader: Any,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.canvas = canvas
        self.browser = browser
        self.loader = loader
        self.setObjectName("mainWindow")
        read_only = " (read-only)" if doc.write_problem else ""
        self.setWindowTitle(f"{doc.project.name}{read_only} — labeler")
        self._init_actions()
        self._init_central()
        self._init_docks()
        self._init_status_bar()
        self._init_menus()
        self._init_controllers()
        self._connect_signals()

    # --- builders ---------------------------------------------------------------------------

    def _init_actions(self) -> None:
        self.action_set = actions_mod.ActionSet(self, settings_mod.shortcut_overrides())
        self.addActions(self.action_set.all())
        self.tools = QtGui.QActionGroup(self)
        for tool in canvas_kinds.TOOLS:
            self.tools.addAction(self.action_set[f"tool_{tool}"])
        # Click-to-segment draws polygons from clicks: a tool of its own beside the kinds'.
        self.tools.addAction(self.action_set["tool_segment"])

    def _init_central(self) -> None:
        self.canvas.setObjectName("canvas")
        # The picture keeps room to work in: panels widened in a larger window (a saved layout)
        # give way when this one is smaller, instead of squeezing the canvas to a sliver.
        self.canvas.setMinimumSize(CANVAS_MIN_WIDTH, CANVAS_MIN_HEIGHT)
        self.setCentralWidget(self.canvas)

    def _dock(
        self, title: str, name: str, widget: QtWidgets.QWidget, area: DockArea
    ) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)  # the name keys the saved layout
        dock.setWidget(widget)
        dock.installEventFilter(self._enter_in_fields)
        self.addDockWidget(area, dock)
        return dock

    def _init_docks(self) -> None:
        self._enter_in_fields = fields.EnterStaysInFields(self)
        self.installEventFilter(self._enter_in_fields)
        self.class_panel = class_panel.ClassPanel()
        self.tags_panel = tags_panel.TagsPanel()
        self.annotation_panel = annotation_panel.AnnotationPanel()
        self.attributes_panel = attributes_panel.AttributesPanel()
        self.review_panel = review_panel.ReviewPanel()
        self.levels_panel = levels_panel.LevelsPanel()
        left, right = DockArea.LeftDockWidgetArea, DockArea.RightDockWidgetArea
        self.browser_dock = self._dock("Images", "imagesDock", self.browser, left)
        self.class_dock = self._dock("Classes", "classesDock", self.class_panel, right)
        self.tags_dock = self._dock("Image tags", "tagsDock", self.tags_panel, right)
        self.annotation_dock = self._dock(
            "Annotations", "annotationsDock", self.annotation_panel, right
        )
        self.attributes_dock = self._dock(
            "Attributes", "attributesDock", self.attributes_panel, right
        )
        self.review_dock = self._dock("Review", "reviewDock", self.review_panel, right)
        self.levels_dock = self._dock("Levels", "levelsDock", self.levels_panel, right)
        # Team sync: hidden until there is a conflict to look at (or the user opens it).
        self.conflicts_panel = conflicts_panel.ConflictsPanel()
        self.conflicts_dock = self._dock(
            "Conflicts", "conflictsDock", self.conflicts_panel, DockArea.BottomDockWidgetArea
        )
        self.conflicts_dock.hide()
        self.suggestions_panel = suggestions_panel.SuggestionsPanel()
        self.suggestions_dock = self._dock(
            "Suggestions", "suggestionsDock", self.suggestions_panel, right
        )
        self.tabifyDockWidget(self.attributes_dock, self.review_dock)
        self.tabifyDockWidget(self.review_dock, self.levels_dock)
        self.tabifyDockWidget(self.levels_dock, self.suggestions_dock)
        # Shown once a model is used (a fourth tab widens the right column: a small window keeps
        # its canvas until then); View lists it as every dock.
        self.suggestions_dock.hide()
        self.attributes_dock.raise_()
        self.resizeDocks(
            [self.class_dock, self.annotation_dock, self.attributes_dock],
            [170, 300, 260],
            QtCore.Qt.Orientation.Vertical,
        )
        self.resize(1400, 900)

    def _init_status_bar(self) -> None:
        self.setStatusBar(status_bar.StatusBar(self))
        self.status_widgets = status_bar.StatusWidgets()
        self.statusBar().addPermanentWidget(self.status_widgets)
        self.status_widgets.set_read_only(self.doc.write_problem, self.doc.refusal_label())

    def _init_menus(self) -> None:
        bar = self.menuBar()
        menus = {name: bar.addMenu(f"&{name}") for name in actions_mod.MENUS}
        for spec in actions_mod.ACTIONS:
            menus[spec.menu].addAction(self.action_set[spec.name])
        # "Open recent" is filled from the recent list each time it opens (ui.controllers.projects).
        self.recent_menu = QtWidgets.QMenu("Open &recent", self)
        self.recent_menu.setObjectName("recentMenu")
        file_menu = menus["File"]
        file_menu.insertMenu(self.action_set["add_folder"], self.recent_menu)
        file_menu.insertSeparator(self.action_set["import_labels"])
        file_menu.insertSeparator(self.action_set["sync_connect"])
        file_menu.insertSeparator(self.action_set["quit"])
        self.appearance = appearance.Appearance(self.canvas, self)
        self.appearance.add_to(menus["View"])
        # The browser opens as the user left it, list or thumbnail grid.
        self.browser.set_view_mode(settings_mod.browser_mode())
        self.browser.viewModeChanged.connect(settings_mod.set_browser_mode)
        panels_menu = menus["View"].addMenu("&Panels")
        for dock in (
            self.browser_dock, self.class_dock, self.tags_dock, self.annotation_dock,
            self.attributes_dock, self.review_dock, self.suggestions_dock, self.conflicts_dock,
        ):  # fmt: skip
            panels_menu.addAction(dock.toggleViewAction())

    def _init_controllers(self) -> None:
        self.undo = undo.UndoHistory(self)
        self.current = current.CurrentImage(
            self.doc, self.browser, self.loader, self.canvas, self.undo, self
        )
        self.labeling = labeling.Labeling(self.doc, self.current, self.undo, self.canvas, self)
        self.class_keys = keys.ClassHotkeys(self, self.action_set.taken_keys, self)
        self.dialogs = dialogs.Dialogs(
            self, self.doc, self.action_set, self.class_keys, self.labeling.choose_class, self
        )
        self.labeling.ask_classes = self.dialogs.ask_class_names
        self.workflow = workflow_mod.Workflow(
            self.doc, self.current, self.undo, self.dialogs.ask_reject_comment, self
        )
        self.progress = progress.Progress(self.doc, self)
        self.levels = levels.Levels(self.levels_panel, self.loader, self)
        self.panels = panels.PanelSync(
            self.doc, self.current, self.canvas, self.annotation_panel, self.attributes_panel,
            self.tags_panel, self.review_panel, self,
        )  # fmt: skip

    def _connect_signals(self) -> None:  # noqa: PLR0915 - a flat list of connections reads best
        a, cur, lab, flow = self.action_set, self.current, self.labeling, self.workflow
        # Project changes → views
        self.doc.changed.connect(cur.on_changed)
        self.doc.changed.connect(self.panels.on_changed)
        self.doc.changed.connect(self.progress.on_changed)
        self.doc.schemaChanged.connect(self.class_panel.model.set_schema)
        self.doc.schemaChanged.connect(self.panels.on_schema_changed)
        self.doc.schemaChanged.connect(self.class_keys.on_schema_changed)
        self.doc.schemaChanged.connect(lab.on_schema_changed)
        self.doc.schemaChanged.connect(self._on_schema_changed)
        self.doc.errorOccurred.connect(self._show_message)
        self.doc.writeRefused.connect(self._on_write_refused)
        self.doc.changed.connect(self._on_stored)
        # Image in view
        self.browser.currentImageChanged.connect(cur.on_current_image_changed)
        self.browser.filterChanged.connect(cur.on_filter_changed)
        self.loader.loaded.connect(cur.on_loaded)
        self.loader.failed.connect(cur.on_failed)
        cur.imageChanged.connect(self.panels.on_image_changed)
        cur.imageChanged.connect(self.levels.on_image_changed)
        self.loader.windowLevelChanged.connect(self.levels.on_window_level_changed)
        self.levels_panel.levelsRequested.connect(self.levels.on_levels_requested)
        self.levels_panel.autoRequested.connect(self.levels.on_auto_requested)
        cur.annotationsChanged.connect(self.panels.on_annotations_changed)
        cur.positionChanged.connect(self.status_widgets.set_position)
        self.progress.progressChanged.connect(self.status_widgets.set_progress)
        self.progress.classCountsChanged.connect(self.class_panel.model.set_counts)
        # Canvas requests → edits
        self.canvas.shapeDrawn.connect(lab.on_shape_drawn)
        self.canvas.shapesEdited.connect(lab.on_shapes_edited)
        self.canvas.deleteRequested.connect(lab.on_delete_requested)
        self.canvas.selectionChanged.connect(self.panels.on_canvas_selection)
        self.canvas.zoomChanged.connect(cur.on_zoom_changed)
        # Panels → edits
        self.browser.addFolderRequested.connect(a["add_folder"].trigger)
        self.class_panel.classActivated.connect(lab.choose_class)
        self.class_panel.classesRequested.connect(lab.add_classes)
        self.class_panel.classesAdded.connect(self.canvas.setFocus)
        lab.currentClassChanged.connect(self.class_panel.on_current_class_changed)
        self.tags_panel.tagsRequested.connect(lab.set_tags)
        self.annotation_panel.selectionChanged.connect(self.panels.on_list_selection)
        self.annotation_panel.model.classChangeRequested.connect(
            lambda i, c: lab.change_class_of([i], c)
        )
        self.annotation_panel.model.attributesChangeRequested.connect(
            lambda i, v: lab.set_attributes([i], v)
        )
        self.attributes_panel.attributesRequested.connect(
            lambda v: lab.set_attributes(self.panels.selected_ids(), v)
        )
        self.review_panel.approveRequested.connect(flow.approve)
        self.review_panel.rejectRequested.connect(flow.reject)
        self.review_panel.commentRequested.connect(flow.comment)
        self.class_keys.classKey.connect(lab.choose_class)
        self.class_keys.tagKey.connect(lab.tag_key)
        lab.advanceRequested.connect(cur.go_next)
        # Messages
        lab.message.connect(self._show_message)
        flow.message.connect(self._show_message)
        self.class_keys.clash.connect(self._show_message)
        self.class_keys.hint.connect(self._show_message)
        # Actions
        a["next_image"].triggered.connect(cur.go_next)
        a["previous_image"].triggered.connect(cur.go_previous)
        a["first_image"].triggered.connect(cur.go_first)
        a["last_image"].triggered.connect(cur.go_last)
        a["next_unlabeled"].triggered.connect(flow.next_unlabeled)
        a["next_review"].triggered.connect(flow.next_review)
        a["done_next"].triggered.connect(flow.done_and_next)
        a["skip"].triggered.connect(flow.skip)
        a["flag_review"].triggered.connect(flow.flag_review)
        a["approve"].triggered.connect(flow.approve)
        a["reject"].triggered.connect(lambda: flow.reject())
        for tool in canvas_kinds.TOOLS:
            a[f"tool_{tool}"].triggered.connect(lambda _=False, t=tool: self.canvas.set_tool(t))
        a["pick_class"].triggered.connect(self.dialogs.class_picker)
        self.undo.stepped.connect(self._show_message)
        a["undo"].triggered.connect(lab.undo)
        a["redo"].triggered.connect(lab.redo)
        self.undo.group.canUndoChanged.connect(a["undo"].setEnabled)
        self.undo.group.canRedoChanged.connect(a["redo"].setEnabled)
        a["delete"].triggered.connect(lab.delete_selected)
        a["copy"].triggered.connect(lab.copy)
        a["paste"].triggered.connect(lab.paste)
        for attr in schema_mod.COMMON_ATTRIBUTES:
            a[f"toggle_{attr}"].triggered.connect(lambda _=False, n=attr: lab.toggle_attribute(n))
        a["edit_schema"].triggered.connect(self.dialogs.schema_editor)
        a["project_settings"].triggered.connect(self.dialogs.project_settings)
        a["fit"].triggered.connect(self.canvas.fit)
        a["zoom_actual"].triggered.connect(self.canvas.zoom_actual)
        a["zoom_in"].triggered.connect(lambda: self.canvas.zoom_by(1.25))
        a["zoom_out"].triggered.connect(lambda: self.canvas.zoom_by(0.8))
        a["toggle_labels"].toggled.connect(
            lambda hidden: self.canvas.set_labels_visible(not hidden)
        )
        a["shortcuts"].triggered.connect(self.dialogs.shortcut_sheet)
        a["quit"].triggered.connect(self.close)

    # --- small slots that only route ---------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _on_write_refused(self, reason: str) -> None:
        # Longer than other notes: the user's last action did not happen, and this says why.
        self.statusBar().showMessage(f"Not stored: {reason}", 20000)
        self.status_widgets.set_read_only(reason, self.doc.refusal_label())

    def _on_stored(self, _changes: object) -> None:
        if self.doc.write_problem is None:  # the project stores edits again
            self.status_widgets.set_read_only(None)

    def _on_schema_changed(self, schema: schema_mod.LabelSchema) -> None:
        t = schema.tasks
        self.tags_dock.setVisible(t.tags is not schema_mod.TagMode.NONE)
        shapes = bool(t.shapes)
        self.annotation_dock.setVisible(shapes)
        self.attributes_dock.setVisible(shapes)
        for kind in canvas_kinds.KINDS:
            self.action_set[f"tool_{kind.value}"].setEnabled(kind in t.shapes)
        # The tools follow the kinds at once: a tool whose kind went off gives way to the first
        # kind that is on (or to selecting), as does having no tool yet when the window opens.
        checked = self.tools.checkedAction()
        if checked is None or not checked.isEnabled():
            tool = next((k.value for k in canvas_kinds.KINDS if k in t.shapes), "select")
            self.action_set[f"tool_{tool}"].setChecked(True)
            self.canvas.set_tool(tool)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
