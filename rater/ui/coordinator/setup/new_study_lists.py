"""The Teams and Raters tabs of the new-study form."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rater.instruments.loader import InstrumentError, bundled_instrument_files, load_file
from rater.study.setup.studyfile_writer import RaterDesign, TeamDesign
from rater.ui.coordinator.report_dialog import show_report
from rater.ui.coordinator.setup.team_dialog import TeamDialog, TeamValues
from rater.ui.coordinator.widgets import button, make_table, row

log = logging.getLogger(__name__)


def _label(path) -> str | None:
    try:
        _inst, raw = load_file(path)
    except InstrumentError:
        return None
    return f"{raw['name']} ({raw['id']} {raw['version']})"


class TeamsEditor(QWidget):
    """The teams of the new study, each edited in a :class:`TeamDialog`."""

    teams_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.instruments: list[tuple[str, str]] = [
            (label, str(p)) for p in bundled_instrument_files() if (label := _label(p))]
        self.teams: list[TeamDesign] = []
        self.dialog: TeamDialog | None = None
        self.table = make_table(["Team", "Raters per session", "Homework log", "Rates"], stretch=3)
        self.table.itemActivated.connect(lambda _item: self.edit_team())
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row(button("Add team…", self.add_team, "Add a rating team"),
                             button("Edit team…", self.edit_team, "Edit the selected team (Enter)"),
                             button("Remove team", self.remove_team, "Remove the selected team"), None,
                             button("Add instrument file…", self.add_instrument,
                                    "Make a lab's own instrument file available to the teams")))

    def _open(self, values: TeamValues | None, index: int | None) -> None:
        self.dialog = TeamDialog(self.instruments, values, "Team", self)
        self.dialog.accepted.connect(lambda: self._store(index))
        self.dialog.open()

    def _store(self, index: int | None) -> None:
        v = self.dialog.values()
        team = TeamDesign(v.name, v.description, v.raters_per_session, v.keeps_homework_log, v.rates)
        if index is None:
            self.teams.append(team)
        else:
            self.teams[index] = team
        self._fill()

    def add_team(self) -> None:
        self._open(TeamValues(name=f"Team {len(self.teams) + 1}"), None)

    def edit_team(self) -> None:
        i = self.table.currentRow()
        if 0 <= i < len(self.teams):
            t = self.teams[i]
            self._open(TeamValues(t.name, t.description, t.raters_per_session, t.keeps_homework_log, t.rates), i)

    def remove_team(self) -> None:
        i = self.table.currentRow()
        if 0 <= i < len(self.teams):
            del self.teams[i]
            self._fill()

    def add_instrument(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add an instrument file", "", "Instrument files (*.toml)")
        if not path:
            return
        try:
            _inst, raw = load_file(path)
        except InstrumentError as err:
            show_report(self, "Instrument not added", f"{path} has {len(err.problems)} problem(s).",
                        [("Problems", [str(p) for p in err.problems])])
            return
        self.instruments.append((f"{raw['name']} ({raw['id']} {raw['version']}, {path})", path))

    def _fill(self) -> None:
        names = {token: label.split(" (")[0] for label, token in self.instruments}
        self.table.setRowCount(len(self.teams))
        for r, t in enumerate(self.teams):
            rates = "; ".join(f"{names.get(f, f)} on sessions {lo}–{hi}" for f, lo, hi in t.rates)
            for c, text in enumerate((t.name, str(t.raters_per_session), "yes" if t.keeps_homework_log else "",
                                      rates)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.teams_changed.emit()


class RatersEditor(QWidget):
    """The raters of the new study: code and name typed in the table, the team chosen per row."""

    def __init__(self, teams: TeamsEditor, parent: QWidget | None = None):
        super().__init__(parent)
        self.teams = teams
        self.table = make_table(["Code", "Name", "Team"], stretch=1)
        self.table.setEditTriggers(self.table.EditTrigger.AllEditTriggers)
        self.count = QSpinBox(minimum=1, maximum=200, value=10)
        self.team = QComboBox()
        self.prefix = QLineEdit("R")
        self.prefix.setMaximumWidth(90)
        self.prefix.setToolTip("Codes are this prefix and a number: R01, R02, …")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row(button("Add rater", lambda: self.add_rater("", ""), "Add one empty row"),
                             button("Remove rater", self.remove_rater, "Remove the selected row"), None))
        layout.addLayout(row(QLabel("Add"), self.count, QLabel("raters to"), self.team, QLabel("with codes"),
                             self.prefix, button("Add", self.add_several, "Add that many numbered raters"), None))
        teams.teams_changed.connect(self._teams_changed)
        self._teams_changed()

    def _teams_changed(self) -> None:
        names = [t.name for t in self.teams.teams]
        self.team.clear()
        self.team.addItems(names)
        for r in range(self.table.rowCount()):
            combo: QComboBox = self.table.cellWidget(r, 2)
            current = combo.currentText()
            combo.clear()
            combo.addItems(names)
            combo.setCurrentText(current)

    def add_rater(self, code: str, name: str, team: str = "") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(code))
        self.table.setItem(r, 1, QTableWidgetItem(name))
        combo = QComboBox()
        combo.addItems([t.name for t in self.teams.teams])
        combo.setCurrentText(team)
        self.table.setCellWidget(r, 2, combo)

    def add_several(self) -> None:
        taken = {self.table.item(r, 0).text() for r in range(self.table.rowCount())}
        prefix, n, added = self.prefix.text().strip(), 1, 0
        while added < self.count.value():
            code = f"{prefix}{n:02d}"
            if code not in taken:
                self.add_rater(code, code, self.team.currentText())
                added += 1
            n += 1

    def remove_rater(self) -> None:
        if self.table.currentRow() >= 0:
            self.table.removeRow(self.table.currentRow())

    def raters(self) -> list[RaterDesign]:
        return [RaterDesign(self.table.item(r, 0).text().strip(), self.table.item(r, 1).text().strip(),
                            self.table.cellWidget(r, 2).currentText()) for r in range(self.table.rowCount())]
