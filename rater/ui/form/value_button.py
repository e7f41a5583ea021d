"""One answer button: the value in large type with its anchor text visible underneath."""

from __future__ import annotations

import textwrap

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from rater.ui.style import set_state

ANCHOR_WIDTH = 12  # characters per line before an anchor wraps


class ValueButton(QPushButton):
    """A checkable button showing ``value`` and, if any, its anchor underneath."""

    def __init__(self, number: str, anchor: str = "", shortcut: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the item row keeps keyboard focus
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(f"{number} {anchor}".strip())
        self.number_label = QLabel(number, objectName="valueNumber")
        self.anchor_label = QLabel(textwrap.fill(anchor, ANCHOR_WIDTH), objectName="valueAnchor")
        for label in (self.number_label, self.anchor_label):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(1)
        layout.addWidget(self.number_label)
        layout.addWidget(self.anchor_label)
        layout.addStretch(1)
        self.anchor_label.setVisible(bool(anchor))
        tip = f"{number}: {anchor}" if anchor else number
        self.setToolTip(f"{tip}  (key {shortcut})" if shortcut else tip)

    def set_checked(self, checked: bool) -> None:
        """Programmatic check that also recolours the labels (no signals)."""
        self.setChecked(checked)
        set_state(self.number_label, "checked", checked)
        set_state(self.anchor_label, "checked", checked)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = self.layout().sizeHint()
        return QSize(max(hint.width(), 52), max(hint.height(), 44))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = self.layout().minimumSize()
        return QSize(max(hint.width(), 40), max(hint.height(), 40))
