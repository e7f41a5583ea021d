"""Raters & teams: the study's teams (instruments, session ranges, raters per session) and its raters."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from rater.instruments.loader import InstrumentError
from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.reports import overview
from rater.study.reports.overview import Rate, RaterView, StudyOverview
from rater.study.setup import editing
from rater.ui import dialogs
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.report_dialog import show_report
from rater.ui.coordinator.setup.rater_dialog import AddRaterDialog
from rater.ui.coordinator.setup.team_dialog import TeamDialog, TeamValues
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row, selected_key

log = logging.getLogger(__name__)

OPEN_LAST = 99  # the last session shown in the team dialog for a range without an end
TEAM_COLUMNS = ["Team", "Raters per session", "Homework log", "Rates", "Raters"]
RATER_COLUMNS = ["Code", "Name", "Team", "Status", "PIN", "Assigned", "In progress", "Submitted"]


class RatersScreen(Screen):
    """The teams table and the raters table with every rater action."""

    title = "Raters & teams"
    subtitle = ("Teams rate instruments on session ranges. A rater who has rated cannot be removed — deactivate "
                "them instead; their ratings are kept.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.overview: StudyOverview | None = None
        self.dialog = None
        self.last_report = None
        self.teams = make_table(TEAM_COLUMNS, stretch=3)
        self.teams.setMaximumHeight(170)
        self.teams.itemActivated.connect(lambda _i: self.edit_team())
        self.raters = make_table(RATER_COLUMNS, stretch=1)
        self.raters.currentCellChanged.connect(lambda *_: self._update_buttons())
        self.toggle_button = button("Deactivate", self.toggle_active, "Deactivate or reactivate the selected rater")
        self.status = QLabel(objectName="muted")
        self.content.addWidget(QLabel("Teams", objectName="sectionTitle"))
        self.content.addWidget(self.teams)
        self.content.addLayout(row(button("Add team…", self.add_team, "Add a rating team"),
                                   button("Edit team…", self.edit_team, "Edit the selected team (Enter)"),
                                   button("Add instrument file…", self.add_instrument,
                                          "Store a lab's own instrument so teams can rate it"), None))
        self.content.addWidget(QLabel("Raters", objectName="sectionTitle"))
        self.content.addWidget(self.raters, 1)
        self.content.addLayout(row(
            button("Add rater…", self.add_rater, "Add a rater to the study", primary=True),
            button("Rename…", self.rename, "Change the selected rater's name"),
            button("Set PIN…", self.set_pin, "Give the selected rater a PIN"),
            button("Clear PIN", self.clear_pin, "Remove the selected rater's PIN"),
            button("Move to team…", self.move, "Move the selected rater to another team"),
            self.toggle_button,
            button("Remove…", self.remove, "Remove a rater who has not rated anything"), None))
        self.content.addWidget(self.status)

    def reload(self) -> None:
        o = self.overview = overview.study_overview(self.db, self.study_id)
        fill_table(self.teams, [(t.name, t.raters_per_session, "keeps it" if t.keeps_homework_log else "",
                                 "; ".join(r.label for r in t.rates) or "no instrument", len(t.rater_ids))
                                for t in o.teams], [t.id for t in o.teams])
        fill_table(self.raters, [(r.code, r.name, ", ".join(r.team_names) or "—",
                                  "active" if r.active else "inactive", "yes" if r.has_pin else "",
                                  r.assigned, r.in_progress, r.submitted) for r in o.raters],
                   [r.id for r in o.raters])
        self._update_buttons()

    def _rater(self) -> RaterView | None:
        key = selected_key(self.raters)
        return next((r for r in self.overview.raters if r.id == key), None) if self.overview else None

    def _update_buttons(self) -> None:
        rater = self._rater()
        self.toggle_button.setText("Reactivate" if rater is not None and not rater.active else "Deactivate")

    def _done(self, message: str) -> None:
        self.changed()
        self.status.setText(message)

    # --- teams ------------------------------------------------------------------------------------
    def _instruments(self) -> list[tuple[str, str]]:
        return [(f"{i.name} ({i.key} {i.version})", i.id) for i in overview.instruments(self.db)]

    def add_team(self) -> None:
        self.dialog = TeamDialog(self._instruments(), TeamValues(name=f"Team {len(self.overview.teams) + 1}"),
                                 "Add a team", self)
        self.dialog.accepted.connect(lambda: self._save_team(None))
        self.dialog.open()

    def edit_team(self) -> None:
        team_id = selected_key(self.teams)
        if team_id is None:
            return
        t = self.overview.team(team_id)
        values = TeamValues(t.name, t.description, t.raters_per_session, t.keeps_homework_log,
                            [(r.instrument_id, *r.sessions.closed(OPEN_LAST)) for r in t.rates])
        self.dialog = TeamDialog(self._instruments(), values, f"Edit {t.name}", self)
        self.dialog.accepted.connect(lambda: self._save_team(team_id))
        self.dialog.open()

    def _save_team(self, team_id: str | None) -> None:
        v = self.dialog.values()
        rates = [Rate(token, lo, hi) for token, lo, hi in v.rates]
        fields = dict(name=v.name, description=v.description, raters_per_session=v.raters_per_session,
                      keeps_homework_log=v.keeps_homework_log, rates=rates)
        if team_id is None:
            done = attempt(self, "Team not added", editing.add_team, self.db, self.study_id, **fields)
        else:
            done = attempt(self, "Team not changed", editing.update_team, self.db, team_id, **fields)
        if done is not FAILED:
            self._done(f"{v.name} saved.")

    def add_instrument(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add an instrument file", "", "Instrument files (*.toml)")
        if not path:
            return
        try:
            info = editing.register_instrument_file(self.db, path)
        except InstrumentError as err:
            self.last_report = show_report(self, "Instrument not added", f"{path} has {len(err.problems)} "
                                           "problem(s); nothing was stored.", [("Problems", [str(p) for p in err.problems])])
            return
        self.status.setText(f"{info.name} ({info.key} {info.version}) can now be chosen for a team.")

    # --- raters ----------------------------------------------------------------------------------
    def add_rater(self) -> None:
        self.dialog = AddRaterDialog([(t.name, t.id) for t in self.overview.teams], self)
        self.dialog.accepted.connect(self._save_rater)
        self.dialog.open()

    def _save_rater(self) -> None:
        code, name, team_id, pin = self.dialog.values()
        if attempt(self, "Rater not added", editing.add_rater, self.db, self.study_id, code, name, team_id,
                   pin) is not FAILED:
            self._done(f"{code} {name} added.")

    def rename(self) -> None:
        rater = self._rater()
        if rater is None:
            return
        name = asks.text(self, "Rename rater", f"New name for {rater.code}:", rater.name)
        if name and attempt(self, "Not renamed", editing.rename_rater, self.db, rater.id, name) is not FAILED:
            self._done(f"{rater.code} is now called {name.strip()}.")

    def set_pin(self) -> None:
        rater = self._rater()
        if rater is None:
            return
        pin = asks.secret(self, "Set PIN", f"New PIN for {rater.code} {rater.name}:")
        if pin and attempt(self, "PIN not set", editing.set_rater_pin, self.db, rater.id, pin) is not FAILED:
            self._done(f"{rater.code} now needs a PIN.")

    def clear_pin(self) -> None:
        rater = self._rater()
        if rater and rater.has_pin and dialogs.confirm(self, "Clear PIN", f"Remove the PIN of {rater.code} "
                                                       f"{rater.name}? Anyone could then rate as them.", ok="Clear"):
            if attempt(self, "PIN not cleared", editing.set_rater_pin, self.db, rater.id, None) is not FAILED:
                self._done(f"{rater.code} no longer needs a PIN.")

    def toggle_active(self) -> None:
        rater = self._rater()
        if rater and attempt(self, "Not changed", editing.set_rater_active, self.db, rater.id,
                             not rater.active) is not FAILED:
            self._done(f"{rater.code} is {'active again' if not rater.active else 'inactive'}.")

    def move(self) -> None:
        rater = self._rater()
        if rater is None:
            return
        others = [t for t in self.overview.teams if (t.id,) != rater.team_ids]
        index = asks.choice(self, "Move rater", f"Move {rater.code} {rater.name} to:", [t.name for t in others])
        if index is None:
            return
        team = others[index]
        if not dialogs.confirm(self, "Move rater", f"Move {rater.code} to {team.name}? Sessions they have not "
                               "started in their current team are taken from them; generate assignments again "
                               "to give those sessions to other raters.", ok="Move"):
            return
        taken = attempt(self, "Rater not moved", editing.move_rater, self.db, rater.id, team.id)
        if taken is not FAILED:
            self._done(f"{rater.code} moved to {team.name}; {taken} not-started assignment(s) taken away.")

    def remove(self) -> None:
        rater = self._rater()
        if not rater or not dialogs.confirm(self, "Remove rater", f"Remove {rater.code} {rater.name} from the "
                                            "study? Sessions assigned to them and not started are removed too.",
                                            ok="Remove", default_ok=False):
            return
        try:
            removed = editing.remove_rater(self.db, rater.id)
        except editing.RaterHasRatings as exc:
            if rater.active and dialogs.confirm(self, "Rater not removed", f"{exc}\n\nDeactivate {rater.code} now?",
                                                ok="Deactivate"):
                self.toggle_active()
            elif not rater.active:
                dialogs.warn(self, "Rater not removed", str(exc))
            return
        except (StudyError, DatabaseError) as exc:
            dialogs.warn(self, "Rater not removed", str(exc))
            return
        self._done(f"{rater.code} removed ({removed} untouched assignment(s) with them).")
