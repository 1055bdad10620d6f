"""The fields of a format's own options (``registry.Format.export_options`` and
``import_options``) in the export and import dialogs: a list for choices, a line of text
otherwise, named and explained as the format's description says."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6 import QtWidgets

from labeler.formats import registry


def widgets(options: Sequence[registry.Option]) -> dict[str, QtWidgets.QWidget]:
    """A field for each format option: a list for choices, a line of text otherwise."""
    out: dict[str, QtWidgets.QWidget] = {}
    for option in options:
        widget: QtWidgets.QWidget
        if option.choices:
            combo = QtWidgets.QComboBox()
            for choice in option.choices:
                combo.addItem(choice, choice)
            combo.setCurrentIndex(max(0, combo.findData(option.default)))
            widget = combo
        else:
            line = QtWidgets.QLineEdit()
            line.setPlaceholderText(option.metavar.lower() if option.metavar else "")
            widget = line
        widget.setObjectName(f"option_{option.name}")
        widget.setToolTip(option.help)
        out[option.name] = widget
    return out


def values(widgets: Mapping[str, QtWidgets.QWidget]) -> dict[str, str]:
    """The values of option fields made by :func:`widgets` (empty ones left out)."""
    out: dict[str, str] = {}
    for name, widget in widgets.items():
        if isinstance(widget, QtWidgets.QComboBox):
            value = str(widget.currentData() or "")
        else:
            assert isinstance(widget, QtWidgets.QLineEdit)
            value = widget.text().strip()
        if value:
            out[name] = value
    return out
