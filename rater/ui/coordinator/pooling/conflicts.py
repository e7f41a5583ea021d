"""The conflicts panel of the Pooling screen: two different edits of one rating, resolved with a reason."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from rater.pooling import ConflictView, list_conflicts, resolve_conflict
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import FAILED, attempt, button, fill_table, make_table, row, selected_key

log = logging.getLogger(__name__)

COLUMNS = ["Rater", "Patient", "Session", "Instrument", "Detected", "Package", "Revision here / in package",
           "Differences", "Decision"]
SIDES = {"stored": "the rating stored here", "incoming": "the version in the package"}


def _local(moment: datetime | None) -> str:
    # Stored times are naive UTC; the coordinator reads local time.
    return f"{moment.replace(tzinfo=UTC).astimezone():%d %b %Y %H:%M}" if moment else ""


def _first(differences: tuple[str, ...]) -> str:
    """The first difference and how many more (all of them are listed below the table)."""
    if not differences:
        return ""
    more = len(differences) - 1
    return differences[0] + (f" (and {more} more)" if more else "")


class ConflictsPanel(QWidget):
    """Conflicts of the study, oldest first; "Keep stored…" / "Keep incoming…" ask for a reason."""

    resolved = Signal(str)  # the conflict id

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.views: list[ConflictView] = []
        self.title = QLabel(objectName="sectionTitle")
        self.show_resolved = QCheckBox("Show resolved conflicts")
        self.show_resolved.toggled.connect(self.reload)
        self.table = make_table(COLUMNS, stretch=COLUMNS.index("Differences"))
        self.table.currentCellChanged.connect(lambda *_: self._selected())
        self.details = QTextBrowser()
        self.details.setMaximumHeight(130)
        self.details.setPlaceholderText("Select a conflict to see how the two versions differ.")
        self.status = QLabel(objectName="muted")
        self.status.setWordWrap(True)
        self.keep_stored = button("Keep stored…", lambda: self.keep("stored"),
                                  "Keep the rating stored in this database; the package's version stays on record")
        self.keep_incoming = button("Keep incoming…", lambda: self.keep("incoming"),
                                    "Replace the stored rating with the package's version; the replaced one stays "
                                    "on record")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row(self.title, None, self.show_resolved))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        buttons = row(self.keep_stored, self.keep_incoming)
        buttons.insertWidget(0, self.status, 1)
        layout.addLayout(buttons)

    def reload(self) -> None:
        """Read the study's conflicts again (unresolved only unless "Show resolved" is ticked)."""
        if self.ctx.study_id is None:
            self.views = []
        else:
            self.views = list_conflicts(self.ctx.db, self.ctx.study_id, include_resolved=self.show_resolved.isChecked())
        waiting = sum(v.resolution is None for v in self.views)
        self.title.setText(f"Conflicts waiting for a decision ({waiting})")
        fill_table(self.table, [self._cells(v) for v in self.views], [v.id for v in self.views])
        for r, v in enumerate(self.views):
            self.table.item(r, COLUMNS.index("Differences")).setToolTip("\n".join(v.differences))
            self.table.item(r, COLUMNS.index("Decision")).setToolTip(v.reason)
        if not self.views:
            self.status.setText("No conflicts to decide." if not self.show_resolved.isChecked()
                                else "No conflicts in this study.")
        elif waiting:
            self.status.setText("The same rating was edited differently on two desktops. Choose the version to "
                                "keep; the other stays on record.")
        self._selected()

    @staticmethod
    def _cells(v: ConflictView) -> tuple:
        here = v.stored_revision if v.stored_revision is not None else "none"
        decision = (f"kept {v.resolution} ({_local(v.resolved_at)}): {v.reason}" if v.resolution else "")
        return (v.rater_code, v.patient_code, v.session_number, v.instrument, _local(v.detected_at), v.package_file,
                f"{here} / {v.incoming_revision}", _first(v.differences), decision)

    def current(self) -> ConflictView | None:
        key = selected_key(self.table)
        return next((v for v in self.views if v.id == key), None)

    def _selected(self) -> None:
        v = self.current()
        open_ = v is not None and v.resolution is None
        self.keep_stored.setEnabled(open_)
        self.keep_incoming.setEnabled(open_)
        if v is None:
            self.details.clear()
            return
        what = f"{v.rater_code} — {v.patient_code} session {v.session_number}, {v.instrument}"
        if v.resolution:
            body = f"<p>Resolved {_local(v.resolved_at)}: kept the {v.resolution} version. Reason: {escape(v.reason)}</p>"
        else:
            body = "<ul>" + "".join(f"<li>{escape(d)}</li>" for d in v.differences) + "</ul>"
        self.details.setHtml(f"<b>{escape(what)}</b> (from {escape(v.package_file)}){body}")

    def keep(self, side: str) -> None:
        """Resolve the selected conflict by keeping ``side`` ("stored" or "incoming"), with a required reason."""
        v = self.current()
        if v is None or v.resolution is not None:
            return
        what = f"{v.rater_code}'s rating of {v.patient_code} session {v.session_number} ({v.instrument})"
        differences = "\n".join(f"• {d}" for d in v.differences)
        reason = asks.reason(self, f"Keep {SIDES[side]}",
                             f"Keep {SIDES[side]} for {what}?\n\n{differences}\n\nWhy? The reason is kept in the "
                             "audit trail.")
        if reason is None:
            return
        if attempt(self, "Conflict not resolved", resolve_conflict, self.ctx.db, v.id, side, reason) is FAILED:
            return
        log.info("conflict %s resolved: kept %s", v.id, side)
        self.resolved.emit(v.id)  # the screens reload (this panel among them when it is shown)
        self.reload()
        self.status.setText(f"Resolved: kept {SIDES[side]} for {what}.")
