"""The Study screen: create a study (from a study file or the form), its overview and its settings."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rater.storage.database import DatabaseError
from rater.study import recordings
from rater.study.errors import StudyError
from rater.study.reports import overview
from rater.study.setup import editing
from rater.study.setup.studyfile import StudyFileError, create_study, load_study_file
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.report_dialog import ReportDialog, show_report
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, row
from rater.validation import Problem

log = logging.getLogger(__name__)

FILE_FILTER = "Study files (*.toml);;All files (*)"


def problems_report(parent: QWidget, source: str, err: StudyFileError,
                    where: Callable[[Problem], str] = str) -> ReportDialog:
    """Every problem of a study file (or of the form) with its location; nothing was created."""
    lines = [where(p) for p in err.problems]
    return show_report(parent, "The study was not created",
                       f"{source} has {len(lines)} problem(s). Nothing was created; fix them and try again.",
                       [("Problems", lines)])


def folder_field(parent: QWidget, placeholder: str) -> tuple[QLineEdit, QWidget]:
    """A path field with a Browse… button."""
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)

    def browse() -> None:
        chosen = QFileDialog.getExistingDirectory(parent, "Choose a folder", edit.text())
        if chosen:
            edit.setText(chosen)

    box = QWidget()
    layout = row(edit, button("Browse…", browse, "Choose the folder"))
    layout.setContentsMargins(0, 0, 0, 0)
    box.setLayout(layout)
    return edit, box


class StudyScreen(Screen):
    """Create a study (file or form); the study's overview and settings."""

    title = "Study"
    subtitle = "Create a study, see what it contains, and change its settings."
    needs_study = False

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.last_report: ReportDialog | None = None
        self.new_dialog = None
        self.from_file_button = button("Create from a study file…", self.create_from_file,
                                       "Read a whole study design from a TOML study file", primary=True)
        self.form_button = button("New study…", self.create_with_form, "Design a study in a form")
        self.content.addLayout(row(self.from_file_button, self.form_button, None))
        self.empty_state = QLabel("No study yet — create one from a study file or with the form.",
                                  objectName="pageSubtitle")
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.content.addWidget(self.empty_state, 1)

        self.details = QWidget()
        column = QVBoxLayout(self.details)
        column.setContentsMargins(0, 0, 0, 0)
        card = QFrame(objectName="card")
        card_layout = QVBoxLayout(card)
        self.heading = QLabel(objectName="sectionTitle")
        self.counts = QLabel(objectName="muted")
        self.teams_label = QLabel()
        self.teams_label.setWordWrap(True)
        self.teams_label.setTextFormat(Qt.TextFormat.RichText)
        for w in (self.heading, self.counts, self.teams_label):
            card_layout.addWidget(w)
        column.addWidget(card)

        settings = QGroupBox("Settings")
        form = QFormLayout(settings)
        self.name = QLineEdit()
        self.description = QLineEdit()
        self.min_played = QSpinBox(minimum=0, maximum=100, suffix=" %")
        self.min_played.setToolTip("A rating submitted after playing less of the recording is flagged")
        self.hidden = QLineEdit()
        self.hidden.setPlaceholderText("e.g. condition, site")
        self.hidden.setToolTip("Patient and session fields never shown to raters (comma-separated)")
        self.media_root, media_box = folder_field(self, "Folder the recording paths are relative to")
        self.desktop_root, desktop_box = folder_field(self, "Only if this desktop keeps the files elsewhere")
        form.addRow("Name:", self.name)
        form.addRow("Description:", self.description)
        form.addRow("Flag ratings that played less than:", self.min_played)
        form.addRow("Hidden from raters:", self.hidden)
        form.addRow("Media root:", media_box)
        form.addRow("Media root on this desktop:", desktop_box)
        self.saved = QLabel(objectName="muted")
        form.addRow(row(button("Save settings", self.save_settings, "Save the settings above", primary=True),
                        self.saved, None))
        column.addWidget(settings)
        column.addStretch(1)
        self.content.addWidget(self.details, 1)

    def reload(self) -> None:
        self.saved.clear()
        has_study = self.study_id is not None
        self.empty_state.setVisible(not has_study)
        self.details.setVisible(has_study)
        if not has_study:
            return
        o = overview.study_overview(self.db, self.study_id)
        sessions = o.sessions
        self.heading.setText(f"{o.code} — {o.name}")
        active = sum(r.active for r in o.raters)
        self.counts.setText(
            f"{len(o.teams)} team(s) · {len(o.raters)} rater(s), {active} active · {len(o.patients)} patient(s) · "
            f"{len(sessions)} session(s) · {sum(len(s.recordings) for s in sessions)} recording(s) · "
            f"{sum(len(s.assigned) for s in sessions)} assignment(s)")
        self.teams_label.setText("<br>".join(
            f"<b>{t.name}</b> — {t.raters_per_session} per session — "
            f"{'; '.join(r.label for r in t.rates) or 'no instrument'} — {len(t.rater_ids)} rater(s)"
            + (" — keeps the homework log" if t.keeps_homework_log else "") for t in o.teams) or "No teams yet.")
        self.name.setText(o.name)
        self.description.setText(o.description)
        self.description.setCursorPosition(0)
        self.min_played.setValue(round(o.min_played_fraction * 100))
        self.hidden.setText(", ".join(o.hidden_fields))
        self.media_root.setText(o.media_root or "")
        self.desktop_root.setText(o.desktop_media_root or "")

    def save_settings(self) -> None:
        o = overview.study_overview(self.db, self.study_id)
        done = attempt(self, "Settings not saved", editing.update_study, self.db, self.study_id,
                       name=self.name.text(), description=self.description.text(),
                       min_played_fraction=self.min_played.value() / 100,
                       hidden_fields=self.hidden.text().split(","), media_root=self.media_root.text().strip() or None)
        desktop = self.desktop_root.text().strip() or None
        if done is not FAILED and desktop != o.desktop_media_root:
            done = attempt(self, "Settings not saved", recordings.set_desktop_media_root, self.db, self.study_id,
                           desktop)
        if done is not FAILED:
            self.changed()
            self.saved.setText("Saved.")

    def create_from_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Create a study from a study file", "", FILE_FILTER)
        if not path:
            return
        try:
            spec = load_study_file(path)
            study_id = create_study(self.db, spec)
        except StudyFileError as err:
            log.info("study file %s refused: %d problem(s)", path, len(err.problems))
            self.last_report = problems_report(self, path, err)
            return
        except (StudyError, DatabaseError, OSError) as exc:
            log.warning("study not created from %s: %s", path, exc)
            self.last_report = show_report(self, "The study was not created", str(exc), [])
            return
        self.ctx.study_created.emit(study_id)

    def create_with_form(self) -> None:
        from rater.ui.coordinator.setup.new_study import NewStudyDialog

        self.new_dialog = NewStudyDialog(self.db, self)
        self.new_dialog.created.connect(self.ctx.study_created)
        self.new_dialog.open()
