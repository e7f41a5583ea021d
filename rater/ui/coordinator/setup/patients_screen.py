"""Patients & sessions: every session with its date, recordings, raters and status; hidden metadata too."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QWidget

from rater.study.reports import overview
from rater.study.reports.overview import PatientView, SessionView, StudyOverview
from rater.study.setup import editing_sessions
from rater.ui import dialogs
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.setup.session_dialog import SessionDialog
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, row

log = logging.getLogger(__name__)

COLUMNS = ["Patient / session", "Date", "Status", "Recordings", "Metadata", "Assigned raters"]
ID_ROLE = Qt.ItemDataRole.UserRole


def _duration(ms: int | None) -> str:
    if ms is None:
        return "length unknown"
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def recordings_text(sess: SessionView) -> str:
    """'video 45:12 · audio 44:50 — FILE MISSING' for a tree cell."""
    return " · ".join(f"{r.kind} {_duration(r.duration_ms)}" + ("" if r.exists else " — FILE MISSING")
                      for r in sess.recordings) or "none"


def short_name(key: str) -> str:
    """'hes_general' → 'HES-GENERAL': instrument names are too long for a tree cell."""
    return key.upper().replace("_", "-")


def raters_text(sess: SessionView) -> str:
    """Raters per instrument; instruments rated by the same raters share one entry."""
    by_instrument: dict[str, list[str]] = {}
    for a in sess.assigned:
        by_instrument.setdefault(short_name(a.instrument_key), []).append(
            a.rater_code + ("✓" if a.status == "submitted" else ""))
    by_raters: dict[tuple[str, ...], list[str]] = {}
    for name, codes in by_instrument.items():
        by_raters.setdefault(tuple(sorted(codes)), []).append(name)
    return " · ".join(f"{' + '.join(names)}: {', '.join(codes)}" for codes, names in by_raters.items()) or "—"


def meta_text(meta: dict, hidden: tuple[str, ...]) -> str:
    """'condition=A (hidden), site=2' — hidden fields marked."""
    return ", ".join(f"{k}={v}" + (" (hidden)" if k in hidden else "") for k, v in meta.items())


class PatientsScreen(Screen):
    """A tree of patients and their sessions; add and edit them."""

    title = "Patients & sessions"
    subtitle = "✓ after a rater's code: submitted. Metadata marked hidden is never shown to raters."

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.overview: StudyOverview | None = None
        self.dialog: SessionDialog | None = None
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find a patient…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(320)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.headerItem().setToolTip(4, "Fields marked (hidden) are never shown to raters")
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(lambda _item, _col: self.edit())
        self.status = QLabel(objectName="muted")
        self.content.addLayout(row(self.filter, None))
        self.content.addWidget(self.tree, 1)
        self.content.addLayout(row(
            button("Add patient…", self.add_patient, "Add a patient with session numbers", primary=True),
            button("Add session…", self.add_session, "Add a session to the selected patient"),
            button("Edit…", self.edit, "Edit the selected session's date and metadata, or the patient's (Enter)"),
            button("Remove session…", self.remove_session, "Remove a session nobody has rated"), None))
        self.content.addWidget(self.status)

    def reload(self) -> None:
        o = self.overview = overview.study_overview(self.db, self.study_id)
        selected = self.selected()
        expanded = {self.tree.topLevelItem(i).data(0, ID_ROLE) for i in range(self.tree.topLevelItemCount())
                    if self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()
        for p in o.patients:
            done = sum(a.status == "submitted" for s in p.sessions for a in s.assigned)
            total = sum(len(s.assigned) for s in p.sessions)
            top = QTreeWidgetItem([p.code, "", f"{done} of {total} submitted" if total else "not assigned",
                                   f"{sum(len(s.recordings) for s in p.sessions)} file(s)",
                                   meta_text(p.meta, o.hidden_fields), ""])
            top.setData(0, ID_ROLE, p.id)
            for s in p.sessions:
                child = QTreeWidgetItem([f"Session {s.number}" + (" (practice)" if s.is_practice else ""),
                                         f"{s.date:%d %b %Y}" if s.date else "—", s.status_label,
                                         recordings_text(s), meta_text(s.meta, o.hidden_fields), raters_text(s)])
                child.setToolTip(5, child.text(5))
                child.setData(0, ID_ROLE, s.id)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(p.id in expanded)
        self._select(selected)
        self._apply_filter()
        self.status.setText(f"{len(o.patients)} patient(s), {len(o.sessions)} session(s)."
                            if o.patients else "No patients yet: add one, or import recordings to create them.")

    def _apply_filter(self) -> None:
        text = self.filter.text().strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            item.setHidden(bool(text) and text not in item.text(0).lower())

    def selected(self) -> tuple[PatientView | None, SessionView | None]:
        item = self.tree.currentItem()
        if item is None or self.overview is None:
            return None, None
        key = item.data(0, ID_ROLE)
        for p in self.overview.patients:
            if p.id == key:
                return p, None
            for s in p.sessions:
                if s.id == key:
                    return p, s
        return None, None

    def _select(self, selected: tuple[PatientView | None, SessionView | None]) -> None:
        patient, sess = selected
        key = (sess or patient).id if (sess or patient) else None
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for item in [top] + [top.child(j) for j in range(top.childCount())]:
                if item.data(0, ID_ROLE) == key:
                    self.tree.setCurrentItem(item)
                    return

    def add_patient(self) -> None:
        code = asks.text(self, "Add a patient", "Patient code (e.g. P067):")
        if not code:
            return
        numbers = asks.text(self, "Add a patient", f"Session numbers of {code.strip()} (e.g. 1-5 or 1, 2, 4):", "1-5")
        if numbers is None:
            return
        try:
            sessions = parse_numbers(numbers)
        except ValueError:
            dialogs.warn(self, "Patient not added", f"{numbers!r} is not a list of session numbers such as 1-5.")
            return
        if attempt(self, "Patient not added", editing_sessions.add_patient, self.db, self.study_id, code,
                   sessions) is not FAILED:
            self.changed()
            self.status.setText(f"{code.strip()} added with {len(sessions)} session(s).")

    def add_session(self) -> None:
        patient, _sess = self.selected()
        if patient is None:
            dialogs.warn(self, "Add a session", "Select the patient first.")
            return
        number = max((s.number for s in patient.sessions), default=0) + 1
        self.dialog = SessionDialog(f"Add a session to {patient.code}", {}, self.overview.hidden_fields,
                                    number=number, parent=self)
        self.dialog.accepted.connect(lambda: self._saved(attempt(
            self, "Session not added", editing_sessions.add_session, self.db, patient.id, self.dialog.number.value(),
            self.dialog.session_date(), self.dialog.meta())))
        self.dialog.open()

    def edit(self) -> None:
        patient, sess = self.selected()
        hidden = self.overview.hidden_fields if self.overview else ()
        if sess is not None:
            self.dialog = SessionDialog(f"{patient.code} session {sess.number}", sess.meta, hidden, date=sess.date,
                                        parent=self)
            self.dialog.accepted.connect(lambda: self._saved(attempt(
                self, "Session not changed", editing_sessions.update_session, self.db, sess.id,
                date=self.dialog.session_date(), meta=self.dialog.meta())))
        elif patient is not None:
            self.dialog = SessionDialog(f"Patient {patient.code}", patient.meta, hidden, with_date=False, parent=self)
            self.dialog.accepted.connect(lambda: self._saved(attempt(
                self, "Patient not changed", editing_sessions.update_patient, self.db, patient.id,
                meta=self.dialog.meta())))
        else:
            return
        self.dialog.open()

    def _saved(self, result) -> None:
        if result is not FAILED:
            self.changed()
            self.status.setText("Saved.")

    def remove_session(self) -> None:
        patient, sess = self.selected()
        if sess is None:
            dialogs.warn(self, "Remove a session", "Select a session first.")
            return
        goes = [f"{len(sess.recordings)} recording(s) (the files stay where they are)",
                f"{len(sess.assigned)} assignment(s)", f"{sess.homework_entries} homework log entr(ies)"]
        if dialogs.confirm(self, "Remove session", f"Remove {patient.code} session {sess.number}? With it go "
                           f"{', '.join(goes)}. Every removal is kept in the audit trail.", ok="Remove",
                           default_ok=False):
            self._saved(attempt(self, "Session not removed", editing_sessions.remove_session, self.db, sess.id))


def parse_numbers(text: str) -> list[int]:
    """'1-5' → [1, 2, 3, 4, 5]; '1, 2, 4' → [1, 2, 4] (ValueError if neither)."""
    out: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-", 1))
            out.extend(range(lo, hi + 1))
        elif part:
            out.append(int(part))
    if not out:
        raise ValueError(text)
    return out
