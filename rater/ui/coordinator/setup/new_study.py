"""The new-study form: study, teams, raters and patients, checked and created like a study file."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rater.storage.database import Database, DatabaseError
from rater.study.setup.settings import DEFAULTS
from rater.study.setup.studyfile import StudyFileError, create_study
from rater.study.setup.studyfile_writer import StudyDesign, to_spec, to_toml
from rater.ui import dialogs
from rater.ui.coordinator.report_dialog import ReportDialog
from rater.ui.coordinator.setup.new_study_lists import RatersEditor, TeamsEditor
from rater.ui.coordinator.setup.study_screen import folder_field, problems_report
from rater.ui.coordinator.widgets import button, row
from rater.validation import Problem

log = logging.getLogger(__name__)


TABS = {"study": "Study", "instruments": "Teams", "teams": "Teams", "raters": "Raters",
        "patient_range": "Patients"}

MISSING = {"teams": "Teams: add at least one team.", "instruments": "Teams: no team rates an instrument yet."}


def form_location(problem: Problem) -> str:
    """A problem located in the form's tabs rather than in the study file the form writes."""
    missing = re.match(r"'(\w+)' is a required property", problem.message)
    if problem.location == "file" and missing and missing.group(1) in MISSING:
        return MISSING[missing.group(1)]
    match = re.match(r"(\w+)(?:\[(\d+)\])?\.?(.*)", problem.location)
    if match is None or match.group(1) not in TABS:
        return f"{problem.location}: {problem.message}"
    section, index, rest = match.groups()
    where = TABS[section]
    if index is not None:
        where += f", {'team' if section == 'teams' else 'row'} {int(index) + 1}"
    if rest and section != "instruments":
        where += f", {rest.replace('_', ' ')}"
    return f"{where}: {problem.message}"


class NewStudyDialog(QDialog):
    """Study, teams, raters and patients in four tabs; creates the study or lists the problems."""

    created = Signal(str)  # the new study's id

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("New study")
        self.resize(820, 600)
        self.last_report: ReportDialog | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._study_tab(), "1 · Study")
        self.team_editor = TeamsEditor()
        self.tabs.addTab(self.team_editor, "2 · Teams")
        self.rater_editor = RatersEditor(self.team_editor)
        self.tabs.addTab(self.rater_editor, "3 · Raters")
        self.tabs.addTab(self._patients_tab(), "4 · Patients")
        hint = QLabel("The form is checked exactly like a study file; “Save as study file…” keeps the design "
                      "for version control.", objectName="help")
        hint.setWordWrap(True)
        self.create_button = button("Create study", self.create, "Check the form and create the study",
                                    primary=True)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(hint)
        layout.addLayout(row(button("Save as study file…", self.save_file, "Write the design to a TOML file"),
                             None, cancel, self.create_button))

    def _study_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. HWCT (letters, digits, _ . -)")
        self.name = QLineEdit()
        self.description = QLineEdit()
        self.min_played = QSpinBox(minimum=0, maximum=100, value=round(DEFAULTS.min_played_fraction * 100), suffix=" %")
        self.hidden = QLineEdit("condition")
        self.hidden.setToolTip("Patient and session fields never shown to raters (comma-separated)")
        self.media_root, media_box = folder_field(self, "Folder with the recordings (can be set later)")
        form.addRow("Code:", self.code)
        form.addRow("Name:", self.name)
        form.addRow("Description:", self.description)
        form.addRow("Flag ratings that played less than:", self.min_played)
        form.addRow("Hidden from raters:", self.hidden)
        form.addRow("Media root:", media_box)
        return tab

    def _patients_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.prefix = QLineEdit("P")
        self.first = QSpinBox(minimum=0, maximum=99999, value=1)
        self.last = QSpinBox(minimum=0, maximum=99999, value=66)
        self.digits = QSpinBox(minimum=1, maximum=9, value=3)
        self.first_session = QSpinBox(minimum=1, maximum=200, value=1)
        self.last_session = QSpinBox(minimum=1, maximum=200, value=5)
        self.preview = QLabel(objectName="muted")
        for w in (self.first, self.last, self.digits, self.first_session, self.last_session):
            w.valueChanged.connect(self._preview)
        self.prefix.textChanged.connect(self._preview)
        form.addRow("Code prefix:", self.prefix)
        form.addRow("First patient number:", self.first)
        form.addRow("Last patient number:", self.last)
        form.addRow("Digits:", self.digits)
        form.addRow("Sessions from:", self.first_session)
        form.addRow("Sessions to:", self.last_session)
        form.addRow("", self.preview)
        form.addRow("", QLabel("More patients and sessions, dates and metadata can be added later on the "
                               "Patients & sessions screen.", objectName="help"))
        self._preview()
        return tab

    def _preview(self) -> None:
        d = self.design()
        codes, n = d.patient_codes(), len(d.sessions)
        if not codes or not n:
            self.preview.setText("No patients.")
            return
        self.preview.setText(f"{codes[0]} … {codes[-1]}: {len(codes)} patient(s) × {n} session(s) = "
                             f"{len(codes) * n} sessions")

    def design(self) -> StudyDesign:
        """What the form says, as a study design."""
        return StudyDesign(
            code=self.code.text().strip(), name=self.name.text().strip(), description=self.description.text().strip(),
            min_played_fraction=self.min_played.value() / 100,
            hidden_fields=[f.strip() for f in self.hidden.text().split(",") if f.strip()],
            media_root=self.media_root.text().strip(), teams=list(self.team_editor.teams),
            raters=self.rater_editor.raters(), patient_prefix=self.prefix.text().strip(),
            first_patient=self.first.value(), last_patient=self.last.value(), digits=self.digits.value(),
            sessions=list(range(self.first_session.value(), self.last_session.value() + 1)))

    def create(self) -> None:
        try:
            spec = to_spec(self.design())
            study_id = create_study(self.db, spec)
        except StudyFileError as err:
            self.last_report = problems_report(self, "The form", err, form_location)
            return
        except DatabaseError as exc:
            dialogs.error(self, "The study was not created", str(exc))
            return
        log.info("study %s created with the form", spec.study["code"])
        self.created.emit(study_id)
        self.accept()

    def save_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save as study file", f"{self.code.text() or 'study'}.toml",
                                              "Study files (*.toml)")
        if not path:
            return
        try:
            Path(path).write_text(to_toml(self.design()), encoding="utf-8")
        except OSError as exc:
            dialogs.error(self, "Not saved", f"{path} could not be written: {exc}")
