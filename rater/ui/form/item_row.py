"""One item of the form: text, help, value buttons with anchors, N/A, a note.

The row is the unit of keyboard focus: number keys rate it, N or "." marks
N/A, Backspace/Delete clears, Up/Down move, Enter opens the note.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rater.instruments.model import Item
from rater.instruments.scoring import Response
from rater.ui.binding import Binding
from rater.ui.form.item_evidence import ItemEvidence
from rater.ui.form.state import RatingState
from rater.ui.form.value_button import ValueButton
from rater.ui.style import set_state

NOTE_IDLE_MS = 800
NA_KEYS = (Qt.Key.Key_N, Qt.Key.Key_Period)
CLEAR_KEYS = (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)


class ItemRow(QFrame):
    """A focusable form row bound to one item of a :class:`RatingState`."""

    edited = Signal(str, object, bool, bool)  # item id, value or None, is_na, advance focus
    note_edited = Signal(str, str)
    move_requested = Signal(int)  # -1 previous, +1 next
    focused = Signal(str)
    no_anchor_edited = Signal(str, bool, str)  # item id, ticked, note
    seek_requested = Signal(int)  # an evidence mark's time was clicked

    def __init__(self, item: Item, number: int, state: RatingState, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self.state = state
        self.applies = state.applies(item.id)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setProperty("applies", self.applies)
        self.setAccessibleName(f"Item {number}: {item.text}")

        title = QLabel(f"<b>{number}.</b>&nbsp; {item.text} <span style='color:#9aa1ab'>· {item.id}</span>")
        title.setWordWrap(True)
        title.setTextFormat(Qt.TextFormat.RichText)
        self.required_tag = QLabel("required", objectName="requiredTag")
        self.required_tag.hide()
        self.note_button = QToolButton(text="Note", toolTip="Add or edit a note for this item (Enter)")
        self.note_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.note_button.setAutoRaise(True)
        self.note_button.clicked.connect(self.open_note)
        self.clear_button = QToolButton(text="Clear", toolTip="Clear this answer (Backspace)")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.setAutoRaise(True)
        self.clear_button.clicked.connect(lambda: self._clicked(None, False))
        top = QHBoxLayout()
        top.addWidget(title, 1)
        if not item.required:
            top.addWidget(QLabel("optional", objectName="muted"))
        self.evidence = ItemEvidence(item.id, state)
        self.evidence.no_anchor_edited.connect(self.no_anchor_edited)
        self.evidence.seek_requested.connect(self.seek_requested)
        top.addWidget(self.required_tag)
        top.addWidget(self.clear_button)
        top.addWidget(self.evidence.toggle)
        top.addWidget(self.note_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 10, 8)
        layout.setSpacing(4)
        layout.addLayout(top)
        self.title = title
        self.help_label: QLabel | None = None
        if item.help:
            self.help_label = QLabel(item.help, objectName="help")
            self.help_label.setWordWrap(True)
            layout.addWidget(self.help_label)
        self.reason_label = QLabel(state.instrument.not_applicable_reason(item.id, state.session_number),
                                   objectName="reason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setVisible(not self.applies)
        layout.addWidget(self.reason_label)

        self.buttons: dict[int, ValueButton] = {}
        values = QHBoxLayout()
        values.setSpacing(4)
        for value in item.values():
            key = str(value) if 0 <= value <= 9 else ""
            button = ValueButton(str(value), item.anchors.get(value, ""), key)
            button.clicked.connect(lambda _=False, v=value: self._clicked(v, False))
            self.buttons[value] = button
            values.addWidget(button)
        self.na_button: ValueButton | None = None
        if item.na_allowed:
            self.na_button = ValueButton("N/A", "Not applicable", "N")
            self.na_button.clicked.connect(lambda: self._clicked(None, True))
            values.addWidget(self.na_button)
        layout.addLayout(values)
        layout.addWidget(self.evidence)

        self.hint = QLabel(objectName="requiredTag")
        self.hint.hide()
        layout.addWidget(self.hint)
        self.note_edit = QLineEdit(placeholderText="Note for this item (saved automatically)")
        self.note_edit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab moves between items only
        self.note_edit.setClearButtonEnabled(True)
        self.note_edit.hide()
        layout.addWidget(self.note_edit)
        self._note_timer = QTimer(self, singleShot=True, interval=NOTE_IDLE_MS)
        self._note_timer.timeout.connect(self._commit_note)
        self.note_edit.textEdited.connect(lambda _t: self._note_timer.start())
        self.note_edit.editingFinished.connect(self._commit_note)

        self._response_binding = Binding(self._value_widgets, self._show_response)
        self._response_binding.follow(state.response_changed, lambda item_id: item_id == item.id)
        self._note_binding = Binding(lambda: [self.note_edit], self._show_note)
        self._note_binding.follow(state.note_changed, lambda item_id: item_id == item.id)
        self._response_binding.refresh()
        self._note_binding.refresh()
        self.set_read_only(state.read_only)
        if not self.applies:
            self.setEnabled(False)

    # --- model → widgets -----------------------------------------------------
    def _value_widgets(self) -> list[QWidget]:
        return [*self.buttons.values(), *([self.na_button] if self.na_button else [])]

    def _show_response(self) -> None:
        response = self.state.response(self.item.id)
        for value, button in self.buttons.items():
            button.set_checked(not response.is_na and response.value == value)
        if self.na_button:
            self.na_button.set_checked(response.is_na)
        self.clear_button.setVisible(response.answered and not self.state.read_only)
        if response.answered:
            self.set_missing(False)

    def _show_note(self) -> None:
        text = self.state.note(self.item.id)
        if text != self.note_edit.text():
            self.note_edit.setText(text)
        if text:
            self.note_edit.show()
        self.note_button.setText("Note ✓" if text else "Note")

    def set_read_only(self, read_only: bool) -> None:
        for widget in self._value_widgets():
            widget.setEnabled(not read_only)
        self.note_edit.setReadOnly(read_only)
        self.evidence.set_read_only(read_only)
        self.note_button.setEnabled(not read_only or bool(self.note_edit.text()))
        self.clear_button.setVisible(not read_only and self.state.response(self.item.id).answered)

    def set_compact(self, compact: bool) -> None:
        """On a short screen the help text moves into the title's tooltip.

        The anchors stay on the value buttons (raters must read them), and a
        greyed-out item keeps its one-line reason.
        """
        if self.help_label is not None:
            self.help_label.setVisible(not compact)
        self.title.setToolTip(self.item.help if compact else "")
        margin = 4 if compact else 8
        self.layout().setContentsMargins(12, margin, 10, margin)

    def set_current(self, current: bool) -> None:
        set_state(self, "current", current)

    def set_missing(self, missing: bool) -> None:
        self.required_tag.setVisible(missing)
        set_state(self, "missing", missing)

    # --- user → model --------------------------------------------------------
    def _clicked(self, value: int | None, is_na: bool) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._request(value, is_na, advance=False)

    def _request(self, value: int | None, is_na: bool, advance: bool) -> None:
        if self.state.read_only or not self.applies:
            return
        self.hint.hide()
        self.edited.emit(self.item.id, value, is_na, advance)

    def commit_note(self) -> None:
        """Hand over a note still being typed (before leaving or submitting)."""
        self._commit_note()
        self.evidence.commit()

    def _commit_note(self) -> None:
        self._note_timer.stop()
        if not self.state.read_only and self.note_edit.text() != self.state.note(self.item.id):
            self.note_edited.emit(self.item.id, self.note_edit.text())

    def open_note(self) -> None:
        self.note_edit.show()
        self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refuse(self, message: str) -> None:
        self.hint.setText(message)
        self.hint.show()
        QApplication.beep()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        text = event.text()
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            super().keyPressEvent(event)
        elif text.isdigit() and len(text) == 1:
            value = int(text)
            if self.item.min <= value <= self.item.max:
                self._request(value, False, advance=True)
            else:
                self._refuse(f"{value} is outside {self.item.min}–{self.item.max}.")
        elif key in NA_KEYS:
            if self.item.na_allowed:
                self._request(None, True, advance=True)
            else:
                self._refuse("N/A is not allowed for this item.")
        elif key in CLEAR_KEYS:
            self._request(None, False, advance=False)
        elif key == Qt.Key.Key_Down:
            self.move_requested.emit(1)
        elif key == Qt.Key.Key_Up:
            self.move_requested.emit(-1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape) and self.note_edit.hasFocus():
            # The line edit passes Enter/Esc on to us: the note is done, back to the item.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.state.read_only:
            self.open_note()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.focused.emit(self.item.id)

    def response(self) -> Response:
        return self.state.response(self.item.id)
