"""The whole rating form: instructions, items grouped by scale, live scores, submit."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rater.instruments.model import Item
from rater.ui.form.item_row import ItemRow
from rater.ui.form.scores import ScoresBar, format_score
from rater.ui.form.state import RatingState

# Below this form height (a 1280×720 screen) help texts fold into tooltips so
# that at least five items fit on screen at once.
COMPACT_BELOW_PX = 760


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class RatingForm(QWidget):
    """Rows for every item, bound to a :class:`RatingState`.

    The form never writes the state itself: it asks through ``response_edited``
    / ``note_edited`` and follows the state's change signals, so the controller
    decides (and saves) every change.
    """

    response_edited = Signal(str, object, bool)  # item id, value or None, is_na
    note_edited = Signal(str, str)
    no_anchor_edited = Signal(str, bool, str)  # item id, ticked, note
    seek_requested = Signal(int)  # an item's evidence mark was clicked
    submit_requested = Signal()

    def __init__(self, state: RatingState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.rows: dict[str, ItemRow] = {}
        self._order: list[ItemRow] = []
        self._current: ItemRow | None = None
        self._showing_missing = False
        self._compact = False
        self.section_scores: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.locked_banner = QLabel(objectName="lockedBanner")
        self.locked_banner.setWordWrap(True)
        self.locked_banner.hide()
        layout.addWidget(self.locked_banner)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        self._content = QVBoxLayout(content)
        self._content.setContentsMargins(4, 4, 12, 12)
        self._content.setSpacing(6)
        self._build_sections()
        self._content.addStretch(1)
        self.scroll.setWidget(content)
        # Never cut value buttons off behind a horizontal scroll bar: the splitter
        # must leave the form at least its natural minimum width.
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumWidth(content.minimumSizeHint().width()
                                    + self.scroll.verticalScrollBar().sizeHint().width() + 4)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self._build_footer())

        state.response_changed.connect(self._refresh_summary)
        state.read_only_changed.connect(self._apply_read_only)
        self._refresh_summary()
        self._apply_read_only(state.read_only)

    # --- building --------------------------------------------------------------
    def _build_sections(self) -> None:
        instrument = self.state.instrument
        self._instructions: QLabel | None = None
        if instrument.instructions:
            title = QLabel("Instructions", objectName="sectionTitle")
            title.setToolTip(instrument.instructions)
            self._instructions = QLabel(instrument.instructions)
            self._instructions.setWordWrap(True)
            self._content.addWidget(title)
            self._content.addWidget(self._instructions)
        numbers = {item.id: n for n, item in enumerate(instrument.items, start=1)}
        placed: set[str] = set()
        for scale in instrument.scales:
            items = [instrument.item(i) for i in scale.items if i not in placed]
            if not items:
                continue
            self._add_heading(scale.id, scale.name, scale.description)
            for item in items:
                self._add_row(item, numbers[item.id])
                placed.add(item.id)
        rest = [item for item in instrument.items if item.id not in placed]
        if rest:
            self._add_heading(None, "Other items" if instrument.scales else "Items", "")
            for item in rest:
                self._add_row(item, numbers[item.id])

    def _add_heading(self, scale_id: str | None, name: str, description: str) -> None:
        line = QHBoxLayout()
        line.setContentsMargins(0, 10, 0, 0)
        line.addWidget(QLabel(name, objectName="sectionTitle"), 1)
        if scale_id:
            score = QLabel(objectName="muted")
            self.section_scores[scale_id] = score
            line.addWidget(score, 0, Qt.AlignmentFlag.AlignBottom)
        self._content.addLayout(line)
        if description:
            desc = QLabel(description, objectName="muted")
            desc.setWordWrap(True)
            self._content.addWidget(desc)

    def _add_row(self, item: Item, number: int) -> None:
        row = ItemRow(item, number, self.state)
        row.edited.connect(self._row_edited)
        row.note_edited.connect(self.note_edited)
        row.no_anchor_edited.connect(self.no_anchor_edited)
        row.seek_requested.connect(self.seek_requested)
        row.move_requested.connect(lambda step, r=row: self.move_focus(r.item.id, step))
        row.focused.connect(self._row_focused)
        self.rows[item.id] = row
        self._order.append(row)
        self._content.addWidget(row)

    def _build_footer(self) -> QWidget:
        footer = QFrame(objectName="card")
        line = QHBoxLayout(footer)
        line.setContentsMargins(12, 8, 12, 8)
        self.scores_bar = ScoresBar()
        line.addWidget(self.scores_bar, 1)
        side = QVBoxLayout()
        self.left_label = QLabel(objectName="leftCount")
        self.left_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.show_missing_button = QPushButton("Show missing")
        self.show_missing_button.setToolTip("Highlight the required items not rated yet and go to the first")
        self.show_missing_button.clicked.connect(self.show_missing)
        self.submit_button = QPushButton("Submit rating…", objectName="primary")
        self.submit_button.setToolTip("Submit the finished rating (Ctrl+Enter). It becomes read-only.")
        self.submit_button.clicked.connect(self.try_submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_missing_button)
        buttons.addWidget(self.submit_button)
        side.addWidget(self.left_label)
        side.addLayout(buttons)
        line.addLayout(side)
        return footer

    # --- following the state -----------------------------------------------------
    def _refresh_summary(self, *_args) -> None:
        scores = self.state.scores()
        self.scores_bar.show_scores(scores)
        for score in scores:
            if score.scale_id in self.section_scores:
                self.section_scores[score.scale_id].setText(format_score(score).split(": ", 1)[1])
        missing = self.state.missing()
        self.left_label.setText(f"{_plural(len(missing), 'item')} left" if missing else "All items rated")
        self.submit_button.setEnabled(not missing and not self.state.read_only)
        self.show_missing_button.setVisible(bool(missing) and not self.state.read_only)
        if self._showing_missing:
            for item_id, row in self.rows.items():
                row.set_missing(item_id in missing)

    def _apply_read_only(self, read_only: bool) -> None:
        for row in self._order:
            row.set_read_only(read_only)
        self.submit_button.setVisible(not read_only)
        self.locked_banner.setVisible(read_only)
        if read_only:
            for row in self._order:
                row.set_missing(False)
        self._refresh_summary()

    def set_locked_text(self, text: str) -> None:
        self.locked_banner.setText(text)

    # --- user actions ------------------------------------------------------------
    def _row_edited(self, item_id: str, value, is_na: bool, advance: bool) -> None:
        self.response_edited.emit(item_id, value, is_na)
        if advance and self.state.response(item_id).answered:
            self.move_focus(item_id, 1)

    def _row_focused(self, item_id: str) -> None:
        row = self.rows[item_id]
        if self._current is not None and self._current is not row:
            self._current.set_current(False)
        self._current = row
        row.set_current(True)
        self.scroll.ensureWidgetVisible(row, 0, 60)

    def move_focus(self, item_id: str, step: int) -> None:
        """Focus the next (``step`` = 1) or previous applicable item."""
        index = self._order.index(self.rows[item_id]) + step
        while 0 <= index < len(self._order):
            row = self._order[index]
            if row.applies:
                row.setFocus(Qt.FocusReason.TabFocusReason if step > 0 else Qt.FocusReason.BacktabFocusReason)
                return
            index += step

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        compact = self.height() < COMPACT_BELOW_PX
        if compact != self._compact:
            self._compact = compact
            if self._instructions is not None:  # the heading's tooltip still has them
                self._instructions.setVisible(not compact)
            for row in self._order:
                row.set_compact(compact)

    def focus_first(self) -> None:
        """Focus the first unanswered applicable item (or the first applicable one)."""
        rows = [r for r in self._order if r.applies]
        target = next((r for r in rows if not r.response().answered), rows[0] if rows else None)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_item(self, item_id: str) -> None:
        self.rows[item_id].setFocus(Qt.FocusReason.OtherFocusReason)

    def current_item(self) -> str | None:
        return self._current.item.id if self._current else None

    def show_missing(self) -> None:
        """Highlight required unanswered items and go to the first of them."""
        self._showing_missing = True
        self._refresh_summary()
        missing = self.state.missing()
        if missing:
            self.focus_item(missing[0])

    def commit_notes(self) -> None:
        for row in self._order:
            row.commit_note()

    def try_submit(self) -> None:
        if self.state.read_only:
            return
        self.commit_notes()
        if self.state.missing():
            self.show_missing()
        else:
            self.submit_requested.emit()
