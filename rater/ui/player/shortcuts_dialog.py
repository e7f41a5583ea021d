"""The shortcuts dialog: re-bind each player command, for this rater or for this desktop."""

from __future__ import annotations

import logging

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rater.ui import dialogs
from rater.ui.player.shortcuts import DEFAULTS, PLAYER_SHORTCUTS, Bindings, conflicts, normalise

log = logging.getLogger(__name__)

SLOTS = 3  # a key and two alternatives per command (play/pause has three by default)


class ShortcutsDialog(QDialog):
    """Edit ``bindings``; after ``exec()``, :attr:`result_bindings` and :attr:`for_desktop` say what to keep."""

    def __init__(self, bindings: Bindings, rater_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.result_bindings: Bindings | None = None
        self.restored = False  # "Restore defaults" was the last thing done
        self.edits: dict[str, list[QKeySequenceEdit]] = {}
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Command</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Key</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Also</b>"), 0, 2)
        grid.addWidget(QLabel("<b>Also</b>"), 0, 3)
        for row, spec in enumerate(PLAYER_SHORTCUTS, start=1):
            grid.addWidget(QLabel(spec.label), row, 0)
            keys = list(bindings.get(spec.name, ()))
            self.edits[spec.name] = []
            for slot in range(SLOTS):
                edit = QKeySequenceEdit()
                edit.setMaximumSequenceLength(1)
                edit.setClearButtonEnabled(True)
                if slot < len(keys):
                    edit.setKeySequence(QKeySequence(keys[slot]))
                edit.keySequenceChanged.connect(self._edited)
                grid.addWidget(edit, row, slot + 1)
                self.edits[spec.name].append(edit)
        table = QWidget()
        table.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidget(table)
        scroll.setWidgetResizable(True)

        self.mine = QRadioButton(f"Keep these keys for {rater_name} (on every desktop)")
        self.desktop = QRadioButton("Keep these keys for everyone on this desktop")
        self.mine.setChecked(True)
        self.hint = QLabel("Click a box and press the new key. Digits, N, arrows, Tab and Enter rate and "
                           "move on the form, so they cannot be used here.", objectName="muted")
        self.hint.setWordWrap(True)
        self.restore_button = QPushButton("Restore defaults")
        self.restore_button.clicked.connect(self.restore_defaults)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.mine)
        layout.addWidget(self.desktop)
        layout.addWidget(buttons)
        self.resize(760, 600)

    @property
    def for_desktop(self) -> bool:
        """True if the keys are for everyone on this desktop rather than this rater."""
        return self.desktop.isChecked()

    def bindings(self) -> Bindings:
        """The keys as entered now."""
        out: Bindings = {}
        for name, edits in self.edits.items():
            keys = (normalise(e.keySequence().toString(QKeySequence.SequenceFormat.PortableText)) for e in edits)
            out[name] = tuple(dict.fromkeys(k for k in keys if k))  # a key twice on one line counts once
        return out

    def restore_defaults(self) -> None:
        """Put every command back on its default keys (saved with Save)."""
        for name, edits in self.edits.items():
            for slot, edit in enumerate(edits):
                keys = DEFAULTS[name]
                edit.blockSignals(True)
                edit.setKeySequence(QKeySequence(keys[slot]) if slot < len(keys) else QKeySequence())
                edit.blockSignals(False)
        self.restored = True

    def _edited(self, _seq: QKeySequence) -> None:
        self.restored = False

    def accept(self) -> None:
        """Save unless two commands share a key or a key belongs to the form; then say why."""
        bindings = self.bindings()
        problems = conflicts(bindings)
        if problems:
            dialogs.warn(self, "Shortcuts not saved", "\n".join(problems))
            return
        self.result_bindings = bindings
        super().accept()
