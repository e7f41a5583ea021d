"""Under an item: its evidence marks (+/−, click to hear them) and "no anchor fits" with a note."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from rater.ui.binding import Binding
from rater.ui.form.state import RatingState
from rater.ui.player.timefmt import format_clock

NOTE_IDLE_MS = 800
SIGNS = {"+": ("+", "#15803d"), "-": ("\u2212", "#b91c1c"), "": ("\u2022", "#6b7280")}


class ItemEvidence(QWidget):
    """The evidence lines and the no-anchor tick of one item, following a :class:`RatingState`."""

    seek_requested = Signal(int)
    no_anchor_edited = Signal(str, bool, str)  # item id, ticked, note

    def __init__(self, item_id: str, state: RatingState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item_id, self.state = item_id, state
        self.evidence_label = QLabel(objectName="evidence")
        self.evidence_label.setTextFormat(Qt.TextFormat.RichText)
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setToolTip("Evidence marks for this item: click a time to hear it again")
        self.evidence_label.linkActivated.connect(lambda href: self.seek_requested.emit(int(href)))
        self.evidence_label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # The tick button sits in the item's top row (see ItemRow); the note under it.
        self.toggle = QToolButton(text="No anchor fits", checkable=True, autoRaise=True)
        self.toggle.setToolTip("None of the anchor texts fits this session: tick it and say why "
                               "(the coordinator collects these for the manual)")
        self.toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.toggle.toggled.connect(self._toggled)
        self.note_edit = QLineEdit(placeholderText="Why does no anchor fit? (saved automatically)")
        self.note_edit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._timer = QTimer(self, singleShot=True, interval=NOTE_IDLE_MS)
        self._timer.timeout.connect(self.commit)
        self.note_edit.textEdited.connect(lambda _t: self._timer.start())
        self.note_edit.editingFinished.connect(self.commit)
        note_line = QHBoxLayout()
        note_line.setContentsMargins(0, 0, 0, 0)
        note_line.addWidget(QLabel("No anchor fits:", objectName="muted"))
        note_line.addWidget(self.note_edit, 1)
        self.note_box = QWidget()
        self.note_box.setLayout(note_line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.evidence_label)
        layout.addWidget(self.note_box)
        self._binding = Binding(lambda: [self.toggle, self.note_edit], self._show)
        self._binding.follow(state.no_anchor_changed, lambda changed: changed == item_id)
        self._binding.follow(state.evidence_changed)
        self._binding.refresh()

    def _show(self) -> None:
        note = self.state.no_anchor(self.item_id)
        self.toggle.setChecked(note is not None)
        self.note_box.setVisible(note is not None)
        if note is not None and note != self.note_edit.text() and not self.note_edit.hasFocus():
            self.note_edit.setText(note)
        lines = []
        for ev in self.state.evidence(self.item_id):
            sign, colour = SIGNS.get(ev.polarity, SIGNS[""])
            lines.append(f"<a href='{ev.position_ms}'>{format_clock(ev.position_ms)}</a> "
                         f"<b style='color:{colour}'>{sign}</b> {html.escape(ev.text)}")
        self.evidence_label.setText("<br>".join(lines))
        self.evidence_label.setVisible(bool(lines))
        self.setVisible(bool(lines) or note is not None)

    def set_read_only(self, read_only: bool) -> None:
        """A submitted rating shows its ticks but cannot change them."""
        self.toggle.setEnabled(not read_only)
        self.note_edit.setReadOnly(read_only)

    def _toggled(self, ticked: bool) -> None:
        self.note_box.setVisible(ticked)
        self.setVisible(ticked or self.evidence_label.isVisibleTo(self))
        if ticked:
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.note_edit.clear()
        self.no_anchor_edited.emit(self.item_id, ticked, self.note_edit.text())

    def commit(self) -> None:
        """Hand over a note still being typed."""
        self._timer.stop()
        if self.toggle.isChecked() and self.note_edit.text().strip() != (self.state.no_anchor(self.item_id) or ""):
            self.no_anchor_edited.emit(self.item_id, True, self.note_edit.text())
