"""The labeling canvas: one image and its shapes, driven by mouse and keys.

The canvas turns what the user does into *requests* — :attr:`Canvas.shapeDrawn`,
:attr:`Canvas.shapesEdited`, :attr:`Canvas.deleteRequested` — and never changes annotations
itself: it redraws from :meth:`Canvas.set_annotations`. While a drag runs (and until the next
``set_annotations``) the shapes show the requested geometry, so there is no flicker in between.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import annotation as ann
from ui.canvas import annotated, kinds, shapes, view
from ui.canvas import interactions as ia

Qt = QtCore.Qt
#: Resize cursors by the direction a handle points, in eighths of a turn from +x (y down).
_RESIZE_CURSORS = (
    Qt.CursorShape.SizeHorCursor,
    Qt.CursorShape.SizeFDiagCursor,
    Qt.CursorShape.SizeVerCursor,
    Qt.CursorShape.SizeBDiagCursor,
)
#: ``[`` and ``]`` turn the selected rotated boxes (degrees; Shift: ten times as far).
_TURN_KEYS = {
    Qt.Key.Key_BracketLeft: -1.0,
    Qt.Key.Key_BracketRight: 1.0,
    Qt.Key.Key_BraceLeft: -10.0,
    Qt.Key.Key_BraceRight: 10.0,
}
_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
_ADD_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


TOOLS = annotated.TOOLS


class Canvas(annotated.AnnotationView):
    """A QGraphicsView showing one image with its annotations.

    Coordinates in every signal are floats in the full-resolution displayed frame (the
    ``full_size`` given to :meth:`set_image`), clamped to it.

    Keys it takes while focused: ``+``/``-`` zoom, ``Ctrl+0`` fit, ``Ctrl+1`` 1:1, arrows nudge
    the selection (``Shift`` = 10 px), ``[``/``]`` turn selected rotated boxes by 1° (``Shift``
    = 10°), ``Delete``/``Backspace`` request deletion (``Delete`` over a vertex of a selected
    polygon deletes that vertex), ``Enter`` closes a polygon (or the rotated box being drawn),
    ``Backspace`` takes back the last click, ``Esc`` cancels, ``Ctrl+A`` selects all, ``Space``
    held pans. Other keys (``F``, class hotkeys ``1``–``9``) go to the window.

    Signals:
        shapeDrawn(object): a :class:`labeler.domain.annotation.NewShape` of the current class.
        shapesEdited(object): ``dict[str, ShapeEdit]``, once per finished drag, resize, vertex
            move/insert/delete or nudge burst (one undo step each).
        deleteRequested(list): annotation ids the user asked to delete.
        selectionChanged(list): the selected annotation ids, after any change.
        zoomChanged(float): screen pixels per image pixel.
        viewChanged(): zoom or scroll changed.
    """

    # -- mouse -----------------------------------------------------------------------------------

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self._nudge.flush()
        event.accept()
        if self._drag is not None:
            return  # a second button during a drag changes nothing
        pos = event.position()
        vp = (pos.x(), pos.y())
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space
        ):
            self._space_used = self._space_used or self._space
            self._start(ia.Pan(self, vp, self.scroll_values()), button)
            self._set_cursor(Qt.CursorShape.ClosedHandCursor)
            return
        if button != Qt.MouseButton.LeftButton or self._image_item is None:
            return
        self._left_press(self.scene_point(pos), vp, event.modifiers())

    def _left_press(self, p: shapes.Point, vp: shapes.Point, mods: Qt.KeyboardModifier) -> None:
        px, drag_px = self.px(), self._style.drag_px
        if self._clicks is not None:
            self._draft_click(p, vp)
            return
        if mods & Qt.KeyboardModifier.AltModifier:
            self._alt_click(p)
            return
        handle = self._layer.handle_at(p, px)
        if handle is not None:
            hid, spot = handle
            shape = self._layer.geometry(hid)
            assert shape is not None
            of_shape = kinds.of(shape)
            drag = ia.HandleDrag(
                self, p, vp, drag_px, hid, shape, spot.key, of_shape.drag, of_shape.keep
            )
            self._start(drag, Qt.MouseButton.LeftButton)
            return
        tool = kinds.for_tool(self._tool)
        if tool is None:
            self._select_press(p, vp, mods)
            return
        draft = self._new_draft()
        started = tool.start(self, p, vp, drag_px, draft, self._class_id)
        if isinstance(started, ia.Drag):
            self._start(started, Qt.MouseButton.LeftButton, draft)
        else:
            self._clicks = started
            self._draft_click(p, vp)

    def _select_press(self, p: shapes.Point, vp: shapes.Point, mods: Qt.KeyboardModifier) -> None:
        aid = self._layer.shape_at(p, self.px())
        additive = bool(mods & _ADD_MODIFIERS)
        if aid is None:
            if not additive:
                self._set_selection([])
            draft = self._new_draft(rubber_band=True)
            self._start(
                ia.RubberBand(self, p, vp, self._style.drag_px, draft),
                Qt.MouseButton.LeftButton,
                draft,
            )
            return
        current = set(self._layer.selection())
        if additive:
            self._set_selection(current ^ {aid})
            return
        if aid not in current:
            self._set_selection([aid])
        originals = {
            i: g for i in self._layer.selection() if (g := self._layer.geometry(i)) is not None
        }
        self._start(
            ia.MoveShapes(self, p, vp, self._style.drag_px, originals), Qt.MouseButton.LeftButton
        )
        self._set_cursor(Qt.CursorShape.SizeAllCursor)

    def _click_slack(self) -> float:
        return max(self._style.hit_px, self._style.vertex_px) * self.px()

    def _draft_click(self, p: shapes.Point, vp: shapes.Point) -> None:
        assert self._clicks is not None
        self._click_view = vp
        q = shapes.clamp_point(p, *self.image_size())
        self._finish_clicks(self._clicks.click(q, self._click_slack()))

    def _alt_click(self, p: shapes.Point) -> None:
        px = self.px()
        vertex = self._layer.vertex_at(p, px)
        if vertex is not None:
            self._delete_vertex(*vertex)
            return
        edge = self._layer.edge_at(p, px)
        if edge is not None:
            self._insert_vertex(*edge)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        vp = (pos.x(), pos.y())
        drag = self._drag
        if isinstance(drag, ia.Pan):
            self.set_scroll_values(drag.target(vp))
            return
        if self._image_item is None:
            return
        p = self.scene_point(pos)
        if drag is not None:
            drag.snap = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            drag.move(p, vp)
            return
        if self._clicks is not None:
            self._clicks.hover(shapes.clamp_point(p, *self.image_size()), self._click_slack())
        self._update_hover(p)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        event.accept()
        drag = self._drag
        if (
            drag is None
            and self._clicks is not None
            and event.button() == Qt.MouseButton.LeftButton
        ):
            self._release_click(event.position())
            return
        if drag is None or event.button() != self._drag_button:
            return
        self._drag = None
        self._drag_button = Qt.MouseButton.NoButton
        if isinstance(drag, ia.RubberBand):
            if drag.moved:
                picked = set(self._layer.inside(drag.rect))
                additive = bool(event.modifiers() & _ADD_MODIFIERS)
                self._set_selection(picked | set(self._layer.selection()) if additive else picked)
            result: ia.Result = None
        elif isinstance(drag, ia.DrawBox) and not drag.moved:
            # A click with the box tool picks the shape under it, so it can be fixed at once.
            result = None
            under = self._layer.shape_at(drag.start, self.px())
            self._set_selection([under] if under else [])
        else:
            result = drag.finish()
        if self._drag_draft is not None:
            self._scene.removeItem(self._drag_draft)
            self._drag_draft = None
        self._update_hover(self.scene_point(event.position()))
        if isinstance(result, ann.NewShape):
            self.shapeDrawn.emit(result)
        elif result:
            self.shapesEdited.emit(result)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        event.accept()
        if (
            event.button() != Qt.MouseButton.LeftButton
            or self._image_item is None
            or self._drag is not None
        ):
            self.mousePressEvent(event)
            return
        p = self.scene_point(event.position())
        edge = self._layer.edge_at(p, self.px())
        if self._clicks is not None:
            if len(self._clicks.points) <= 1 and edge is not None:
                self._end_clicks()  # the first click of the double click started nothing useful
            elif self._close_clicks() or len(self._clicks.points) > 1:
                return
        if edge is not None and self._layer.vertex_at(p, self.px()) is None:
            self._insert_vertex(*edge)
            return
        self.mousePressEvent(event)

    def _update_hover(self, p: shapes.Point) -> None:
        if self._image_item is None:
            return
        lay, px_ = self._layer, self.px()
        handle = lay.handle_at(p, px_)
        if handle is not None:
            hid, spot = handle
            if spot.style is shapes.SpotStyle.RESIZE:
                lay.set_hover(hid)
                self._set_cursor(_resize_cursor(spot.direction))
            else:  # a vertex (Delete removes it) or a rotate knob
                lay.set_hover(hid, spot.key if spot.style is shapes.SpotStyle.VERTEX else None)
                self._set_cursor(Qt.CursorShape.PointingHandCursor)
            return
        aid = lay.shape_at(p, px_)
        lay.set_hover(aid)
        if self._tool != "select":
            self._set_cursor(Qt.CursorShape.CrossCursor)
        elif aid is not None:
            self._set_cursor(Qt.CursorShape.SizeAllCursor)
        else:
            self._set_cursor(Qt.CursorShape.ArrowCursor)

    # -- keys ------------------------------------------------------------------------------------

    def _key_action(self, event: QtGui.QKeyEvent) -> Callable[[], object] | None:
        """What a key does on the canvas right now, or None to leave it to the window."""
        key = Qt.Key(event.key())
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shown = self._image_item is not None
        selection = self._layer.selection() if shown else []
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            return lambda: self.zoom_by(view.KEY_STEP)
        if key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            return lambda: self.zoom_by(1 / view.KEY_STEP)
        if ctrl and key == Qt.Key.Key_0:
            return self.fit
        if ctrl and key == Qt.Key.Key_1:
            return self.zoom_actual
        if ctrl and key == Qt.Key.Key_A and shown:
            return lambda: self._set_selection(self._layer.all_ids())
        if key == Qt.Key.Key_Space and shown:
            return lambda: self._set_space(True)
        if key in _ARROWS and selection and self._drag is None and self._clicks is None:
            step = 10.0 if mods & Qt.KeyboardModifier.ShiftModifier else 1.0
            dx, dy = _ARROWS[key]
            return lambda: self._nudge_selection(dx * step, dy * step)
        if key in _TURN_KEYS and self._turnable(selection) and self._drag is None:
            shift = 10.0 if mods & Qt.KeyboardModifier.ShiftModifier else 1.0
            degrees = _TURN_KEYS[key] * (shift if abs(_TURN_KEYS[key]) == 1.0 else 1.0)
            return lambda: self._turn_selection(degrees)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._clicks is not None:
            return self._close_clicks
        if key == Qt.Key.Key_Backspace and self._clicks is not None:
            return self._pop_click
        vertex = self._hovered_vertex()
        if key == Qt.Key.Key_Delete and vertex is not None:
            return lambda: self._delete_vertex(*vertex)
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and selection and self._drag is None:
            return lambda: self._request_delete(selection)
        if key == Qt.Key.Key_Escape and (self._drag or self._clicks or selection):
            return self._escape
        return None

    def _hovered_vertex(self) -> tuple[str, int] | None:
        aid, i = self._layer.hover_id, self._layer.hover_vertex
        if aid is None or i is None or not self._layer.is_selected(aid):
            return None
        return (aid, i)

    def _nudge_selection(self, dx: float, dy: float) -> None:
        originals = {
            i: g for i in self._layer.selection() if (g := self._layer.geometry(i)) is not None
        }
        # Shapes show the burst so far; a burst over a different selection starts from that.
        self._nudge.nudge(originals, dx, dy, self.image_size())

    def _turnable(self, ids: list[str]) -> bool:
        """Whether any of these shapes can turn (a rotated box)."""
        return self._clicks is None and any(
            (g := self._layer.geometry(i)) is not None and kinds.of(g).turn is not None for i in ids
        )

    def _turn_selection(self, degrees: float) -> None:
        originals = {
            i: g for i in self._layer.selection() if (g := self._layer.geometry(i)) is not None
        }
        self._nudge.turn(originals, degrees, self.image_size())

    def _release_click(self, pos: QtCore.QPointF) -> None:
        """The button came up while a shape is being clicked in (a drag may draw an edge)."""
        assert self._clicks is not None
        vp = (pos.x(), pos.y())
        start = self._click_view
        moved = max(abs(vp[0] - start[0]), abs(vp[1] - start[1])) >= self._style.drag_px
        q = shapes.clamp_point(self.scene_point(pos), *self.image_size())
        self._finish_clicks(self._clicks.release(q, moved, self._click_slack()))

    def _request_delete(self, ids: list[str]) -> None:
        self._nudge.flush()
        self.deleteRequested.emit(ids)

    def _pop_click(self) -> None:
        assert self._clicks is not None
        self._clicks.pop(self._click_slack())
        if not self._clicks.points:
            self._end_clicks()

    def _escape(self) -> None:
        if self._drag is not None:
            self._cancel_drag()
        elif self._clicks is not None:
            self._end_clicks()
        else:
            self._set_selection([])

    def _set_space(self, held: bool) -> None:
        if held and not self._space:
            self._space_used = False
        self._space = held
        if held:
            self._set_cursor(Qt.CursorShape.OpenHandCursor)
        else:
            self._set_cursor(
                Qt.CursorShape.ArrowCursor if self._tool == "select" else Qt.CursorShape.CrossCursor
            )

    def event(self, event: QtCore.QEvent) -> bool:
        # Take our own keys before window shortcuts do, only while they mean something here.
        if event.type() == QtCore.QEvent.Type.ShortcutOverride:
            assert isinstance(event, QtGui.QKeyEvent)
            if self._key_action(event) is not None:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        if not (
            event.key() in _ARROWS or event.key() in _TURN_KEYS or event.key() == Qt.Key.Key_Space
        ):
            self._nudge.flush()
        if not (event.isAutoRepeat() and event.key() == Qt.Key.Key_Space):
            action()
        event.accept()

    def keyReleaseEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            tapped = self._space and not self._space_used
            self._set_space(False)
            event.accept()
            if tapped:
                # Space held is ours (pan); a tap belongs to the window (e.g. "done and next").
                trigger_window_shortcut(self, QtGui.QKeySequence(Qt.Key.Key_Space))
            return
        super().keyReleaseEvent(event)

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        self._layer.set_hover(None)
        super().leaveEvent(event)

    def focusOutEvent(self, event: QtGui.QFocusEvent) -> None:
        self._space = False
        self._nudge.flush()
        super().focusOutEvent(event)


def trigger_window_shortcut(widget: QtWidgets.QWidget, keys: QtGui.QKeySequence) -> bool:
    """Run the window's enabled action or shortcut bound to ``keys``, as if it had the key.

    Returns whether one ran.
    """
    window = widget.window()
    if window is widget:
        return False
    exact = QtGui.QKeySequence.SequenceMatch.ExactMatch
    actions = [*window.actions(), *window.findChildren(QtGui.QAction)]
    for action in dict.fromkeys(actions):
        if action.isEnabled() and any(k.matches(keys) == exact for k in action.shortcuts()):
            action.trigger()
            return True
    for shortcut in window.findChildren(QtGui.QShortcut):
        bound = shortcut.keys()
        if shortcut.isEnabled() and any(k.matches(keys) == exact for k in bound):
            shortcut.activated.emit()
            return True
    return False


def _resize_cursor(direction: shapes.Point) -> Qt.CursorShape:
    """The resize cursor nearest a handle's outward direction (for turned boxes too)."""
    if direction == (0.0, 0.0):
        return Qt.CursorShape.SizeAllCursor
    eighth = round(math.degrees(math.atan2(direction[1], direction[0])) / 45.0) % 4
    return _RESIZE_CURSORS[eighth]
