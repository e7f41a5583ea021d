"""A worked example: the gold scores, rationale and evidence marks beside the form while playing."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rater.instruments.scoring import Response
from rater.study.training.views import GoldView
from rater.ui.training.gold_tables import GoldMarksList, answer_text, fill_row, make_table

COLUMNS = ["Item", "Gold score", "Rationale"]


class WorkedExamplePanel(QWidget):
    seek_requested = Signal(int)

    def __init__(self, gold: GoldView, parent: QWidget | None = None):
        super().__init__(parent)
        note = QLabel("Worked example: the gold rating is shown while you watch. It does not count "
                      "towards certification.", objectName="muted")
        note.setWordWrap(True)
        self.table = make_table(COLUMNS, COLUMNS.index("Rationale"))
        items = gold.instrument.items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            g = gold.items.get(item.id)
            response = Response(None) if g is None else g.response
            anchor = "" if g is None or g.value is None else item.anchors.get(g.value, "")
            fill_row(self.table, row, [f"{item.id}  {item.text}", answer_text(response, anchor),
                                       "" if g is None else g.rationale])
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, 200)
        self.marks = GoldMarksList(gold.marks)
        self.marks.seek_requested.connect(self.seek_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(note)
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("Gold evidence marks (click to play that moment)"))
        layout.addWidget(self.marks, 1)
