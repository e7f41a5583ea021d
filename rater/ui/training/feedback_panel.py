"""Feedback after a practice rating: item by item beside gold, with the summary and the gold marks."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from rater.study.training.agreement import percent
from rater.study.training.views import KIND_LABELS, FeedbackView
from rater.ui.training.gold_tables import GoldMarksList, answer_text, fill_row, make_table

COLUMNS = ["Item", "Your score", "Gold score", "±", "Rationale"]


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


class FeedbackPanel(QWidget):
    """Shown in place of the (now read-only) form once a practice rating is submitted."""

    seek_requested = Signal(int)

    def __init__(self, fb: FeedbackView, parent: QWidget | None = None):
        super().__init__(parent)
        self.feedback = fb
        s, r = fb.summary, fb.running
        title = QLabel(f"Feedback — {KIND_LABELS.get(fb.kind, fb.kind)}", objectName="pageTitle")
        self.summary = QLabel(
            f"<b>This recording:</b> exact agreement {percent(s.exact)} · within ±1 {percent(s.within1)} · "
            f"mean absolute difference {_score(s.mad)} ({s.n} items)<br>"
            f"<b>All your practice so far</b> ({fb.running_count} recording(s)): exact {percent(r.exact)} · "
            f"within ±1 {percent(r.within1)} · mean absolute difference {_score(r.mad)}")
        self.summary.setWordWrap(True)
        scales = " · ".join(f"{html.escape(x.name)}: you {_score(x.rater)}, gold {_score(x.gold)}" for x in fb.scales)
        self.scales = QLabel(scales, objectName="muted")
        self.scales.setWordWrap(True)
        self.status = QLabel(html.escape(fb.status.reason()) if fb.status else "", objectName="muted")
        self.status.setWordWrap(True)
        self.table = make_table(COLUMNS, COLUMNS.index("Rationale"))
        rows = [c for c in fb.comparisons if c.applies]
        self.table.setRowCount(len(rows))
        for row, c in enumerate(rows):
            diff = c.difference
            fill_row(self.table, row, [f"{c.item_id}  {c.text}", answer_text(c.rater, c.rater_anchor),
                                       answer_text(c.gold, c.gold_anchor),
                                       "" if diff is None else ("0" if diff == 0 else f"{diff:+d}"), c.rationale], diff)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, 220)
        self.table.resizeRowsToContents()
        self.marks = GoldMarksList(fb.marks)
        self.marks.seek_requested.connect(self.seek_requested)
        marks_box = QWidget()
        box = QVBoxLayout(marks_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("Gold evidence marks (click to play that moment)"))
        box.addWidget(self.marks)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(marks_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        for w in (title, self.summary, self.scales, self.status):
            layout.addWidget(w)
        layout.addWidget(split, 1)
