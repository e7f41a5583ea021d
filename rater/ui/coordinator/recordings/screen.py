"""Recordings: import a folder (file-name pattern) or a CSV manifest, with checksums off the GUI thread."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from rater.study import recordings as rec
from rater.study.reports import overview
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.progress_run import ProgressRun
from rater.ui.coordinator.recordings.import_report import import_sections, scan_sections, summary
from rater.ui.coordinator.report_dialog import ReportDialog, show_report
from rater.ui.coordinator.setup.study_screen import folder_field
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row

log = logging.getLogger(__name__)

PATTERN_HELP = ("A template such as {patient}_S{session} ({patient}: letters and digits, {session}: a number, "
                "*: anything) or a regular expression with (?P<patient>…) and (?P<session>…). The default reads "
                "P012_S03.mp4, P012_S3_audio.m4a and p012-s03.MOV as patient P012, session 3.")


class RecordingsScreen(Screen):
    """Import from a folder or a manifest; scan preview, progress, report; re-check files."""

    title = "Recordings"
    subtitle = ("Files are never copied: the path, size, checksum and length are stored. Files that cannot be "
                "imported are listed with the reason.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.scan: rec.ScanReport | None = None
        self.run: ProgressRun | None = None
        self.last_report: ReportDialog | None = None
        self.from_folder = QRadioButton("A folder (files named by patient and session)")
        self.from_manifest = QRadioButton("A CSV manifest (columns patient, session, path; optional kind, date, "
                                          "priority)")
        self.from_folder.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.from_folder)
        group.addButton(self.from_manifest)
        self.source = QLineEdit()
        self.source.setPlaceholderText("Folder to scan (sub-folders included)")
        self.pattern = QLineEdit(rec.DEFAULT_PATTERN)
        self.pattern.setToolTip(PATTERN_HELP)
        self.media_root, media_box = folder_field(self, "The folder recording paths are stored relative to")
        self.existing_only = QCheckBox("Only add recordings to sessions already in the study")
        self.probe = QCheckBox("Check that each recording plays and read its length (slower)")
        self.probe.setChecked(True)
        for radio in (self.from_folder, self.from_manifest):
            radio.toggled.connect(self._source_changed)
        self.source.textChanged.connect(self._forget_scan)
        self.pattern.textChanged.connect(self._forget_scan)

        box = QGroupBox("Import recordings")
        form = QFormLayout(box)
        form.addRow("From:", self.from_folder)
        form.addRow("", self.from_manifest)
        form.addRow("Folder or file:", row(self.source, button("Browse…", self.browse, "Choose the folder or file")))
        form.addRow("File-name pattern:", row(self.pattern, button("Default", self._default_pattern,
                                                                   "Use the default pattern")))
        help_label = QLabel(PATTERN_HELP, objectName="help")
        help_label.setWordWrap(True)
        form.addRow("", help_label)
        form.addRow("Media root:", media_box)
        form.addRow("", self.existing_only)
        form.addRow("", self.probe)
        self.scan_button = button("Scan", self.do_scan, "List what the folder holds, without importing")
        self.import_button = button("Import…", self.do_import, "Checksum the files and add them to the study",
                                    primary=True)
        form.addRow("", row(self.scan_button, self.import_button, None))
        self.preview = make_table(["File", "Patient", "Session", "Kind", "Size", "Not imported because"], stretch=0)
        self.preview_label = QLabel(objectName="muted")
        self.content.addWidget(box)
        self.content.addWidget(self.preview_label)
        self.content.addWidget(self.preview, 1)
        self.content.addLayout(row(button("Check recordings…", self.verify,
                                          "Re-read every recording: missing, moved or changed files"), None))

    def reload(self) -> None:
        o = overview.study_overview(self.db, self.study_id)
        if not self.media_root.text():
            self.media_root.setText(o.desktop_media_root or o.media_root or "")
        count = sum(len(s.recordings) for s in o.sessions)
        self.preview_label.setText(f"The study has {count} recording(s). Scan a folder to see what it holds.")

    def _source_changed(self) -> None:
        folder = self.from_folder.isChecked()
        self.pattern.setEnabled(folder)
        self.scan_button.setEnabled(folder)
        self.source.setPlaceholderText("Folder to scan (sub-folders included)" if folder else "CSV manifest file")
        self._forget_scan()

    def _default_pattern(self) -> None:
        self.pattern.setText(rec.DEFAULT_PATTERN)

    def _forget_scan(self) -> None:
        self.scan = None

    def browse(self) -> None:
        if self.from_folder.isChecked():
            chosen = QFileDialog.getExistingDirectory(self, "Folder of recordings", self.source.text())
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "CSV manifest", self.source.text(), "CSV (*.csv *.txt)")
        if chosen:
            self.source.setText(chosen)

    def do_scan(self) -> rec.ScanReport | None:
        """Sort the folder's files by the pattern and show them (nothing is imported)."""
        scan = attempt(self, "Cannot scan", rec.scan_folder, self.source.text().strip(),
                       self.pattern.text().strip() or None)
        if scan is FAILED:
            return None
        self.scan = scan
        matched = sorted(scan.matched, key=lambda e: (e.patient, e.session, e.kind))
        rows = [(e.source, e.patient, e.session, e.kind, rec.human_size(e.size), "") for e in matched]
        rows += [(e.source, e.patient, e.session, e.kind, rec.human_size(e.size), "duplicate: not imported")
                 for group in scan.duplicates for e in group.entries]
        rows += [(_relative(i.path, scan.folder), "", "", "", "", i.reason)
                 for i in scan.unmatched + scan.unreadable + scan.empty]
        fill_table(self.preview, rows)
        left_out = len(rows) - len(matched)
        self.preview_label.setText(f"{len(matched)} file(s) match the pattern; {left_out} cannot be imported"
                                   + (" (the reason is in the last column)." if left_out else "."))
        return scan

    def do_import(self) -> None:
        if self.run is not None and self.run.running:
            return
        source = self.source.text().strip()
        if not source:
            self.browse()
            source = self.source.text().strip()
            if not source:
                return
        root = self.media_root.text().strip() or None
        if self.from_folder.isChecked():
            scan = self.scan or self.do_scan()
            if scan is None:
                return
            entries, base = scan.matched, scan.folder
            root = root or str(scan.folder)  # a study without a media root takes the scanned folder
        else:
            entries = attempt(self, "Manifest not imported", rec.read_manifest, source, root)
            if entries is FAILED:
                return
            scan, base = None, Path(source).expanduser().resolve().parent
            root = root or str(base)
        if not entries:
            self.last_report = show_report(self, "Nothing to import", "No file matches the pattern.",
                                           scan_sections(scan) if scan else [])
            return
        db, study_id, create, probe = self.db, self.study_id, not self.existing_only.isChecked(), self.probe.isChecked()

        def work(progress, cancelled):
            # Runs in the worker thread: only the database (own transactions) and files, never widgets.
            return rec.import_recordings(db, study_id, entries, root, progress, cancelled,
                                         create_missing=create, prober=rec.media_prober() if probe else None)

        self.run = ProgressRun(self, "Importing recordings", f"Checksums of {len(entries)} file(s)…", work)
        self.run.finished.connect(lambda report: self._imported(report, scan, base, root))
        self.run.failed.connect(lambda exc: self._failed("Recordings not imported", exc))
        self.run.start()

    def _imported(self, report: rec.ImportReport, scan: rec.ScanReport | None, base: Path, root: str) -> None:
        if not report.cancelled and (report.imported or report.skipped):
            self._keep_root(root)
        self.last_report = show_report(self, "Recordings import", summary(report, scan),
                                       import_sections(report, base, scan))
        self.scan = None
        self.changed()

    def _keep_root(self, root: str) -> None:
        """Make ``root`` the study's media root when it has none or another one was typed in.

        Done after the import, so a cancelled import leaves the study exactly as it was. A
        desktop with its own media root keeps the study's root untouched.
        """
        o = overview.study_overview(self.db, self.study_id)
        if o.desktop_media_root:
            return
        if not o.media_root or Path(root).resolve() != Path(o.media_root).resolve():
            attempt(self, "Media root not set", rec.set_media_root, self.db, self.study_id, root)

    def _failed(self, title: str, exc: Exception) -> None:
        self.last_report = show_report(self, title, f"{exc}", [])

    def verify(self) -> None:
        if self.run is not None and self.run.running:
            return
        db, study_id = self.db, self.study_id
        self.run = ProgressRun(self, "Checking recordings", "Re-reading every recording…",
                               lambda progress, cancelled: rec.verify_recordings(db, study_id, progress, cancelled))
        self.run.finished.connect(lambda problems: setattr(self, "last_report", show_report(
            self, "Recordings checked", f"{len(problems)} problem(s)." if problems else
            "Every recording is where it was imported and unchanged.", [("Problems", [str(p) for p in problems])])))
        self.run.failed.connect(lambda exc: self._failed(
            "Check stopped", "Cancelled." if isinstance(exc, rec.Cancelled) else exc))
        self.run.start()


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
