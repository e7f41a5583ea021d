"""Which item a mark is evidence for, and whether for (+) or against (−)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class EvidenceDialog(QDialog):
    """Choose an item (or none) and a polarity for one mark."""

    def __init__(self, items: list[tuple[str, str]], item_id: str | None, polarity: str, mark: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence")
        self.combo = QComboBox()
        self.combo.addItem("Not tied to an item", None)
        for iid, label in items:
            self.combo.addItem(f"{iid} — {label}", iid)
        self.combo.setCurrentIndex(max(0, self.combo.findData(item_id)))
        self.plus = QRadioButton("+ evidence for")
        self.minus = QRadioButton("\u2212 evidence against")
        self.none = QRadioButton("untagged")
        self.group = QButtonGroup(self)
        for button in (self.plus, self.minus, self.none):
            self.group.addButton(button)
        {"+": self.plus, "-": self.minus}.get(polarity, self.none).setChecked(True)
        signs = QHBoxLayout()
        for button in (self.plus, self.minus, self.none):
            signs.addWidget(button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        label = QLabel(f"Mark {mark}")
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addLayout(signs)
        layout.addWidget(buttons)

    def item_id(self) -> str | None:
        """The chosen item, None for none."""
        return self.combo.currentData()

    def polarity(self) -> str:
        """"+", "-" or "" (always "" without an item)."""
        if self.item_id() is None:
            return ""
        return "+" if self.plus.isChecked() else "-" if self.minus.isChecked() else ""
