"""The Suggestions panel: which model pre-labels, what score a suggestion needs to be shown (per
class), the segment model, and how the model's suggestions fared so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6 import QtCore, QtWidgets

from labeler.domain import schema as schema_mod
from labeler.services import suggestions as suggestions_svc

BUILT_IN = "Built-in (no model)"


class SuggestionsPanel(QtWidgets.QWidget):
    """Settings of model assistance for the open project.

    Signals:
        modelChosen(object): the pre-labeling model's name (None: none).
        segmentModelChosen(object): the click-to-segment model's name (None: the built-in one).
        autoChanged(bool): pre-label each image as it opens.
        thresholdChanged(str, float): a class id and the score its suggestions need.
    """

    modelChosen = QtCore.Signal(object)
    segmentModelChosen = QtCore.Signal(object)
    autoChanged = QtCore.Signal(bool)
    thresholdChanged = QtCore.Signal(str, float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QtWidgets.QComboBox()
        self.model.setObjectName("assistModel")
        self.segment_model = QtWidgets.QComboBox()
        self.segment_model.setObjectName("segmentModel")
        self.auto = QtWidgets.QCheckBox("Pre-label each image as it opens")
        self.auto.setObjectName("assistAuto")
        self.status = QtWidgets.QLabel("")
        self.status.setObjectName("assistStatus")
        self.status.setWordWrap(True)
        self.thresholds = QtWidgets.QTableWidget(0, 2)
        self.thresholds.setObjectName("assistThresholds")
        self.thresholds.setHorizontalHeaderLabels(["Class", "Show from score"])
        self.thresholds.verticalHeader().setVisible(False)
        self.thresholds.horizontalHeader().setStretchLastSection(True)
        self.outcomes = QtWidgets.QLabel("")
        self.outcomes.setObjectName("assistOutcomes")
        self.outcomes.setTextFormat(QtCore.Qt.TextFormat.RichText)
        form = QtWidgets.QFormLayout()
        form.addRow("Pre-label with", self.model)
        form.addRow("Segment with", self.segment_model)
        self.model.setToolTip("Models are added with `labeler models add` (see the README)")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.auto)
        layout.addWidget(self.status)
        layout.addWidget(self.thresholds, 1)
        layout.addWidget(self.outcomes)
        self.model.currentIndexChanged.connect(
            lambda _i: self.modelChosen.emit(self.model.currentData())
        )
        self.segment_model.currentIndexChanged.connect(
            lambda _i: self.segmentModelChosen.emit(self.segment_model.currentData())
        )
        self.auto.toggled.connect(self.autoChanged)

    def set_models(
        self, detect: Sequence[str], segment: Sequence[str], chosen: str | None, seg: str | None
    ) -> None:
        for combo, names, pick, none in (
            (self.model, detect, chosen, "(none)"),
            (self.segment_model, segment, seg, BUILT_IN),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(none, None)
            for name in names:
                combo.addItem(name, name)
            index = combo.findData(pick)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def set_auto(self, on: bool) -> None:
        self.auto.blockSignals(True)
        self.auto.setChecked(on)
        self.auto.blockSignals(False)

    def set_thresholds(
        self, classes: Sequence[schema_mod.LabelClass], values: Mapping[str, float], default: float
    ) -> None:
        self.thresholds.setRowCount(len(classes))
        for row, cls in enumerate(classes):
            name = QtWidgets.QTableWidgetItem(cls.name)
            name.setFlags(name.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
            self.thresholds.setItem(row, 0, name)
            spin = QtWidgets.QDoubleSpinBox()
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
            spin.setValue(values.get(cls.id, default))
            spin.valueChanged.connect(lambda v, cid=cls.id: self.thresholdChanged.emit(cid, v))
            self.thresholds.setCellWidget(row, 1, spin)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def set_outcomes(self, found: Mapping[str, suggestions_svc.Outcome]) -> None:
        if not found:
            self.outcomes.setText("")
            return
        rows = "".join(
            f"<tr><td>{name}</td><td align=right>{o.accepted}</td><td align=right>{o.edited}</td>"
            f"<td align=right>{o.rejected}</td><td align=right>{o.open}</td></tr>"
            for name, o in sorted(found.items())
        )
        self.outcomes.setText(
            "<b>Suggestions so far</b><table cellspacing=4><tr><th align=left>class</th>"
            "<th>accepted</th><th>edited</th><th>rejected</th><th>open</th></tr>"
            f"{rows}</table>"
        )
