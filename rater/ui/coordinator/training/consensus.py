"""Consensus view (coordinator only): items where raters disagree, side by side, with a consensus score.

The raters' own ratings are shown, never changed; a consensus is stored
apart from them. A rater's mark plays that moment in the player on the right.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from rater.study.training import consensus, material
from rater.study.training.consensus import Disagreement
from rater.ui.common.player_area import PlayerArea, preferred_recording
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row
from rater.ui.training.gold_tables import clock

log = logging.getLogger(__name__)

COLUMNS = ["Patient", "Session", "Instrument", "Item", "Spread", "Scores", "Mean", "Consensus"]
RATER_COLUMNS = ["Rater", "Score", "Note"]


def _score(value: int | None, is_na: bool) -> str:
    return "N/A" if is_na else ("—" if value is None else str(value))


class ConsensusScreen(Screen):
    title = "Consensus"
    subtitle = ("Study sessions and items where the raters disagree. Each rater's score, note and marks are shown "
                "side by side; a consensus score is kept apart from their ratings (which never change), exported "
                "beside the raters' mean, and can become the gold of a training copy.")
    player_factory = None  # tests put a fake player here

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.rows: list[Disagreement] = []
        self.player: PlayerArea | None = None
        self.player_session: str | None = None
        self.instrument = QComboBox()
        self.rule = QComboBox()
        for key, label in consensus.RULES.items():
            self.rule.addItem(label, key)
        self.threshold = QDoubleSpinBox(minimum=0.5, maximum=20, singleStep=0.5, decimals=1, value=2)
        for w in (self.instrument, self.rule):
            w.currentIndexChanged.connect(lambda _i: self.reload_rows())
        self.threshold.valueChanged.connect(lambda _v: self.reload_rows())
        self.table = make_table(COLUMNS, stretch=5)
        self.table.currentCellChanged.connect(lambda *_: self._show_detail())
        self.item_label = QLabel(objectName="pageSubtitle")
        self.item_label.setWordWrap(True)
        self.raters = make_table(RATER_COLUMNS, stretch=2)
        self.marks = QListWidget()
        self.marks.setToolTip("Click a mark to play that moment")
        self.marks.itemClicked.connect(self._play_mark)
        self.value = QSpinBox()
        self.note = QLineEdit(placeholderText="Why (kept with the consensus)")
        self.record_button = button("Record consensus", self.record, "Store the consensus score of this item",
                                    primary=True)
        self.promote_button = button("Promote to gold…", self.promote,
                                     "Make a training copy of this session whose gold is the consensus")
        self.player_box = QVBoxLayout()
        detail = QWidget()
        side = QVBoxLayout(detail)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.item_label)
        side.addWidget(self.raters, 1)
        side.addWidget(QLabel("Raters' marks (click to play)"))
        side.addWidget(self.marks, 1)
        side.addLayout(self.player_box, 2)
        side.addLayout(row(QLabel("Consensus"), self.value, self.note, self.record_button))
        side.addLayout(row(None, self.promote_button))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setSizes([640, 460])
        self.count = QLabel(objectName="muted")
        self.content.addLayout(row(QLabel("Instrument"), self.instrument, QLabel("Flag when"), self.rule,
                                   self.threshold, None, self.count))
        self.content.addWidget(split, 1)

    def reload(self) -> None:
        current = self.instrument.currentData()
        self.instrument.blockSignals(True)
        self.instrument.clear()
        self.instrument.addItem("All instruments", None)
        for iid, _key, name in material.study_instruments(self.db, self.study_id):
            self.instrument.addItem(name, iid)
        index = self.instrument.findData(current)
        self.instrument.setCurrentIndex(max(index, 0))
        self.instrument.blockSignals(False)
        self.reload_rows()

    def reload_rows(self) -> None:
        found = attempt(self, "Consensus view", consensus.disagreements, self.db, self.study_id,
                        self.threshold.value(), self.rule.currentData(), self.instrument.currentData())
        self.rows = [] if found is FAILED else found
        fill_table(self.table, [
            (d.patient_code, d.session_number, d.instrument_key, d.item_id, f"{d.spread:g}",
             "  ".join(f"{x.rater_code}: {_score(x.value, x.is_na)}" for x in d.scores),
             "—" if d.mean is None else f"{d.mean:.2f}", "" if d.consensus is None else d.consensus)
            for d in self.rows], [f"{d.session_id}|{d.instrument_id}|{d.item_id}" for d in self.rows])
        self.count.setText(f"{len(self.rows)} item(s) flagged")
        self._show_detail()

    def selected(self) -> Disagreement | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def _show_detail(self) -> None:
        d = self.selected()
        for w in (self.record_button, self.promote_button, self.value, self.note):
            w.setEnabled(d is not None)
        self.marks.clear()
        if d is None:
            self.item_label.setText("No disagreement at this threshold.")
            fill_table(self.raters, [])
            return
        self.item_label.setText(f"{d.patient_code} session {d.session_number} · {d.instrument_name} · "
                                f"{d.item_id} {d.item_text}")
        fill_table(self.raters, [(x.rater_code, _score(x.value, x.is_na), x.note) for x in d.scores])
        for x in d.scores:
            for mk in x.marks:
                item = QListWidgetItem(f"{x.rater_code}  {clock(mk.position_ms)}  {mk.text}")
                item.setData(Qt.ItemDataRole.UserRole, mk.position_ms)
                self.marks.addItem(item)
        values = [x.value for x in d.scores if x.value is not None]
        self.value.setRange(0, max([*values, 10]))
        self.value.setValue(d.consensus if d.consensus is not None else round(d.mean or 0))
        self.note.setText(d.consensus_note)

    def _play_mark(self, item: QListWidgetItem) -> None:
        d = self.selected()
        if d is None:
            return
        if self.player is None or self.player_session != d.session_id:
            self._open_player(d.session_id)
        if self.player is not None and self.player.current is not None:
            self.player.seek_ms(int(item.data(Qt.ItemDataRole.UserRole)))

    def _open_player(self, session_id: str) -> None:
        if self.player is not None:
            self.player.shutdown()
            self.player.deleteLater()
        recordings = consensus.recordings_of(self.db, session_id)
        self.player = PlayerArea(recordings, self.player_factory, shortcut_host=self)
        self.player_box.addWidget(self.player)
        self.player_session = session_id
        rec = preferred_recording(recordings)
        if rec is not None:
            self.player.load(rec.id)

    def record(self) -> None:
        d = self.selected()
        if d is None:
            return
        if attempt(self, "Consensus not recorded", consensus.set_consensus, self.db, d.session_id, d.instrument_id,
                   d.item_id, self.value.value(), self.note.text().strip()) is not FAILED:
            self.changed()

    def promote(self) -> None:
        d = self.selected()
        if d is None:
            return
        code = asks.text(self, "Promote to gold", "Patient code of the training copy:",
                         f"TR-{d.patient_code}-S{d.session_number}")
        if not code:
            return
        if attempt(self, "Not promoted", consensus.promote_to_gold, self.db, d.session_id, d.instrument_id,
                   code.strip()) is not FAILED:
            self.changed()
            self.count.setText(f"Training copy {code} created with the consensus as gold.")

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        if self.player is not None:
            self.player.pause()
