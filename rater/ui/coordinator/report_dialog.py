"""A report in a dialog: a summary line and sections of items (files, problems, warnings)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

Section = tuple[str, Sequence[str]]


class ReportDialog(QDialog):
    """Sections with their item counts; empty sections are listed with a zero so nothing looks hidden."""

    def __init__(self, title: str, summary: str, sections: Sequence[Section], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 520)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 11.5pt; padding: 4px 0 6px 0;")
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        bold = QFont(self.font())
        bold.setBold(True)
        for heading, items in sections:
            top = QTreeWidgetItem([f"{heading} ({len(items)})"])
            top.setFont(0, bold)
            top.addChildren([QTreeWidgetItem([line]) for line in items])
            self.tree.addTopLevelItem(top)
            top.setExpanded(0 < len(items) <= 200)
        copy = QPushButton("Copy report")
        copy.setToolTip("Copy the whole report as text, e.g. to paste it into an e-mail")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)

    def text(self) -> str:
        """The whole report as plain text."""
        lines = [self.summary.text()]
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            lines.append(top.text(0))
            lines.extend("  " + top.child(j).text(0) for j in range(top.childCount()))
        return "\n".join(lines)


def show_report(parent: QWidget, title: str, summary: str, sections: Sequence[Section]) -> ReportDialog:
    """Open the report window-modal without blocking; the caller keeps the dialog (tests read it)."""
    dialog = ReportDialog(title, summary, sections, parent)
    dialog.open()
    return dialog
