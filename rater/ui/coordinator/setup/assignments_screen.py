"""Assignments: generate them per team with a seed, then add, remove or swap raters on one session."""

from __future__ import annotations

import logging
import random

from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QPlainTextEdit, QSpinBox, QVBoxLayout, QWidget

from rater.storage.database import DatabaseError
from rater.study import assign
from rater.study.errors import StudyError
from rater.study.reports import overview
from rater.study.reports.overview import StudyOverview, TeamView
from rater.ui import dialogs
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row, selected_key

log = logging.getLogger(__name__)

MAX_SEED = 999_999


def _applies(team: TeamView, number: int) -> bool:
    return any(r.sessions.covers(number) for r in team.rates)


class AssignmentsScreen(Screen):
    """Generate per team with a visible seed; add, remove or swap raters on one session."""

    title = "Assignments"
    subtitle = ("Each session gets the team's number of raters; nobody rates two sessions of one patient; loads "
                "are balanced. Generating again only fills gaps — existing assignments are never moved.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.overview: StudyOverview | None = None
        self.team = QComboBox()
        self.seed = QSpinBox(minimum=1, maximum=MAX_SEED, value=random.SystemRandom().randrange(1, MAX_SEED))
        self.seed.setToolTip("The same seed on the same study gives the same assignments")
        self.generate_button = button("Generate assignments", self.generate, "Assign raters to every session "
                                      "of the team that still needs them", primary=True)
        self.message = QLabel(objectName="banner")
        self.message.setWordWrap(True)
        self.message.hide()
        self.report = QPlainTextEdit(readOnly=True)
        self.report.setPlaceholderText("The report of the last run appears here.")
        self.report.setMaximumHeight(170)
        generate = QGroupBox("Generate")
        g = QVBoxLayout(generate)
        g.addLayout(row(QLabel("Team:"), self.team, QLabel("Seed:"), self.seed,
                        button("New seed", lambda: self.seed.setValue(random.SystemRandom().randrange(1, MAX_SEED)),
                               "Draw another seed"), None, self.generate_button))
        g.addWidget(self.message)
        g.addWidget(self.report)

        self.edit_team = QComboBox()
        self.session = QComboBox()
        self.session.setMinimumWidth(200)
        self.edit_team.currentIndexChanged.connect(self._fill_sessions)
        self.session.currentIndexChanged.connect(self._fill_raters)
        self.raters = make_table(["Rater", "Name", "Instruments", "Status"], stretch=2)
        self.edit_status = QLabel(objectName="muted")
        self.edit_status.setWordWrap(True)
        manual = QGroupBox("Change one session")
        e = QVBoxLayout(manual)
        e.addLayout(row(QLabel("Team:"), self.edit_team, QLabel("Session:"), self.session, None))
        e.addWidget(self.raters, 1)
        e.addLayout(row(button("Add rater…", self.add_rater, "Give this session to another team member"),
                        button("Remove rater", self.remove_rater, "Take the session from the selected rater"),
                        button("Swap rater…", self.swap_rater, "Hand the selected rater's session to someone else"),
                        None))
        e.addWidget(self.edit_status)
        self.content.addWidget(generate)
        self.content.addWidget(manual, 1)

    def reload(self) -> None:
        o = self.overview = overview.study_overview(self.db, self.study_id)
        for combo, first in ((self.team, "All teams"), (self.edit_team, None)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first:
                combo.addItem(first, None)
            for t in o.teams:
                combo.addItem(f"{t.name} ({len(t.rater_ids)} raters, {t.raters_per_session} per session)", t.id)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)
        self._fill_sessions()

    # --- generating ---------------------------------------------------------------------------------
    def generate(self) -> None:
        self.message.hide()
        try:
            report = assign.generate_assignments(self.db, self.study_id, self.team.currentData(), self.seed.value())
        except assign.InfeasibleDesign as exc:
            log.info("infeasible design: %s", exc)
            self.message.setText(str(exc))
            self.message.show()
            self.report.setPlainText("Nothing was assigned.")
            dialogs.warn(self, "These assignments are not possible", str(exc))
            return
        except (StudyError, DatabaseError) as exc:
            dialogs.warn(self, "Assignments not generated", str(exc))
            return
        loads = "; ".join(f"{t.team}: {t.load_min}–{t.load_max} sessions per rater" for t in report.teams)
        self.report.setPlainText(f"Loads — {loads}\n\n{assign.format_report(report)}")
        self.changed()

    # --- one session --------------------------------------------------------------------------------
    def _team(self) -> TeamView | None:
        team_id = self.edit_team.currentData()
        return self.overview.team(team_id) if self.overview and team_id else None

    def _fill_sessions(self) -> None:
        team, current = self._team(), self.session.currentData()
        self.session.blockSignals(True)
        self.session.clear()
        for s in self.overview.sessions if team else []:
            if not s.is_practice and _applies(team, s.number):
                self.session.addItem(f"{s.patient_code} · session {s.number}", s.id)
        self.session.setCurrentIndex(max(self.session.findData(current), 0))
        self.session.blockSignals(False)
        self._fill_raters()

    def _assigned(self) -> dict[str, list]:
        team, sid = self._team(), self.session.currentData()
        sess = next((s for s in self.overview.sessions if s.id == sid), None) if team else None
        out: dict[str, list] = {}
        for a in sess.assigned if sess else []:
            if a.team_id == team.id and a.purpose == "study":
                out.setdefault(a.rater_id, []).append(a)
        return out

    def _fill_raters(self) -> None:
        assigned = self._assigned()
        fill_table(self.raters, [(rows[0].rater_code, rows[0].rater_name, ", ".join(a.instrument_name for a in rows),
                                  rows[0].status.replace("_", " ")) for rows in assigned.values()],
                   list(assigned), status_column=3, statuses=[rows[0].status for rows in assigned.values()])
        team = self._team()
        self.edit_status.setText("" if team else "Add a team first.")

    def _members(self, exclude: set[str]) -> list[overview.RaterView]:
        team = self._team()
        return [r for r in self.overview.raters if team and r.id in team.rater_ids and r.active and r.id not in exclude]

    def _edited(self, result) -> None:
        if result is FAILED:
            return
        self.changed()
        self.edit_status.setText("Done." + "".join(f"\nNote: {w}" for w in result.warnings))

    def add_rater(self) -> None:
        sid, team = self.session.currentData(), self._team()
        choices = self._members(set(self._assigned()))
        index = asks.choice(self, "Add a rater", f"Who else rates {self.session.currentText()}?",
                            [f"{r.code} {r.name} ({r.assigned} assigned)" for r in choices]) if sid else None
        if index is not None:
            self._edited(attempt(self, "Rater not added", assign.add_rater_to_session, self.db, sid,
                                 choices[index].id, team.id))

    def remove_rater(self) -> None:
        sid, rid, team = self.session.currentData(), selected_key(self.raters), self._team()
        if sid and rid and dialogs.confirm(self, "Remove rater", f"Take {self.session.currentText()} from "
                                           f"{self.raters.item(self.raters.currentRow(), 0).text()}?", ok="Remove"):
            self._edited(attempt(self, "Rater not removed", assign.remove_rater_from_session, self.db, sid, rid,
                                 team.id))

    def swap_rater(self) -> None:
        sid, rid, team = self.session.currentData(), selected_key(self.raters), self._team()
        if not (sid and rid):
            return
        choices = self._members(set(self._assigned()))
        index = asks.choice(self, "Swap rater", "Who rates the session instead?",
                            [f"{r.code} {r.name} ({r.assigned} assigned)" for r in choices])
        if index is not None:
            self._edited(attempt(self, "Raters not swapped", assign.swap_rater, self.db, sid, rid, choices[index].id,
                                 team.id))

