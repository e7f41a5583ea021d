"""Pooling: import the ratings packages of the lab desktops, export the study package for them, resolve conflicts.

On a lab desktop the same screen sets the desktop up from the study package
and exports every rating made there (:mod:`pooling_desktop`), so it is shown
even before this database has a study.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QFileDialog, QGroupBox, QLabel, QSplitter, QVBoxLayout, QWidget

from rater.pooling import ImportResult, export_study, import_packages
from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.recordings.files import Cancelled
from rater.study.reports import overview
from rater.ui import dialogs
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.pooling.conflicts import ConflictsPanel
from rater.ui.coordinator.pooling.desktop import DesktopPanel
from rater.ui.coordinator.progress_run import STEPS, ProgressRun
from rater.ui.coordinator.report_dialog import ReportDialog, show_report
from rater.ui.coordinator.widgets import Screen, button, fill_table, make_table, row
from rater.ui.style import ERROR, ERROR_SOFT, STATUS_COLORS

log = logging.getLogger(__name__)

PACKAGE_FILTER = "Session Rater packages (*.srpkg);;All files (*)"
RESULT_COLUMNS = ["Package", "Outcome", "New", "Updated", "Unchanged", "Conflicts", "Details"]
OUTCOME_COLORS = {"imported": STATUS_COLORS["submitted"], "unchanged": STATUS_COLORS["not_started"],
                  "rejected": (ERROR, ERROR_SOFT), "not imported": STATUS_COLORS["in_progress"]}


def choose_packages(parent: QWidget) -> list[str]:
    """Ratings packages to import (empty if cancelled)."""
    files, _ = QFileDialog.getOpenFileNames(parent, "Import ratings packages", str(_documents()), PACKAGE_FILTER)
    return files


def choose_package_target(parent: QWidget, suggested: Path) -> str | None:
    """Where to save the study package (None if cancelled)."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save the study package as", str(suggested), PACKAGE_FILTER)
    return chosen or None


def _documents() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


class PoolingScreen(Screen):
    """Ratings packages in (with progress, all or nothing each), the study package out, conflicts to decide."""

    title = "Pooling"
    subtitle = ("Raters on desktops that share nothing export a ratings package; import them here. Each package is "
                "imported completely or not at all, importing one twice changes nothing, and two different edits "
                "of the same rating become a conflict for you to decide. Desktops are set up from the study "
                "package.")
    needs_study = False  # a new lab desktop has no study until its study package is imported here

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.run: ProgressRun | None = None
        self.results: list[ImportResult] = []
        self.not_imported: list[Path] = []
        self.last_report: ReportDialog | None = None
        self.import_button = button("Import ratings packages…", self.import_packages,
                                    "Choose one or more ratings packages (.srpkg) from the lab desktops",
                                    primary=True)
        self.export_button = button("Export study package…", self.export_study_package,
                                    "Write the study set-up (no ratings) for the desktops to import")
        self.summary = QLabel("No packages imported in this visit yet.", objectName="muted")
        self.summary.setWordWrap(True)
        self.results_table = make_table(RESULT_COLUMNS, stretch=RESULT_COLUMNS.index("Details"))
        self.results_table.setWordWrap(True)  # a rejection's reason is the point of the row
        imports = QGroupBox("Last import")
        inner = QVBoxLayout(imports)
        inner.addWidget(self.summary)
        inner.addWidget(self.results_table, 1)
        self.conflicts = ConflictsPanel(ctx)
        self.conflicts.resolved.connect(lambda _id: self.changed())
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(imports)
        split.addWidget(self.conflicts)
        split.setSizes([260, 340])
        self.pooling = QWidget()  # everything that needs a study in this database
        column = QVBoxLayout(self.pooling)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row(self.import_button, self.export_button, None))
        column.addWidget(split, 1)
        # Without a study the screen shows the usual "No study yet" above the desktop set-up, not instead of it.
        self.no_study = QWidget()
        column = QVBoxLayout(self.no_study)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.empty)
        column.addWidget(QLabel("To set up a lab desktop, import the study package the coordinator exported:",
                                objectName="pageSubtitle"))
        self.desktop = DesktopPanel(ctx)
        self.content.addWidget(self.pooling, 1)
        self.content.addWidget(self.no_study)
        self.content.addWidget(self.desktop)
        self.content.addStretch(0)

    def reload(self) -> None:
        has_study = self.study_id is not None
        self.pooling.setVisible(has_study)
        self.no_study.setVisible(not has_study)
        self.desktop.reload()
        if has_study:
            self.conflicts.reload()

    def import_packages(self) -> None:
        if self.run is not None and self.run.running:
            return
        paths = [Path(p) for p in choose_packages(self)]
        if not paths:
            return
        db, n = self.db, len(paths)

        def work(progress, cancelled):
            # Runs in the worker thread: the database (a transaction per package) and files, never widgets.
            results: list[ImportResult] = []
            for i, path in enumerate(paths):
                if cancelled():
                    return results, paths[i:]
                try:
                    results += import_packages(
                        db, [path], lambda done, total, what, i=i: progress(i * STEPS + STEPS * done // max(total, 1),
                                                                            n * STEPS, what), cancelled)
                except Cancelled:
                    return results, paths[i:]  # that package was rolled back whole
            return results, []

        self.run = ProgressRun(self, "Importing ratings packages", f"Importing {n} package(s)…", work)
        self.run.finished.connect(lambda outcome: self._imported(*outcome))
        self.run.failed.connect(self._import_failed)
        self.run.start()

    def _imported(self, results: list[ImportResult], not_imported: list[Path]) -> None:
        self.results, self.not_imported = results, not_imported
        rows = [(r.path.name, r.status, r.added, r.updated, r.unchanged, len(r.conflicts),
                 r.message if r.status == "rejected" else r.summary()) for r in results]
        rows += [(p.name, "not imported", "", "", "", "", "the import was cancelled before this package; "
                  "nothing of it was imported") for p in not_imported]
        fill_table(self.results_table, rows)
        for r, outcome in enumerate(cells[1] for cells in rows):
            fg, bg = OUTCOME_COLORS[outcome]
            cell = self.results_table.item(r, 1)
            cell.setForeground(QBrush(QColor(fg)))
            cell.setBackground(QBrush(QColor(bg)))
            self.results_table.item(r, RESULT_COLUMNS.index("Details")).setToolTip(rows[r][-1])
        self.results_table.resizeRowsToContents()
        self.results_table.clearSelection()  # a selected row would hide its outcome's colour
        counts = {s: sum(r.status == s for r in results) for s in ("imported", "unchanged", "rejected")}
        conflicts = sum(len(r.conflicts) for r in results)
        text = (f"{len(rows)} package(s): {counts['imported']} imported, {counts['unchanged']} unchanged (already "
                f"imported), {counts['rejected']} rejected")
        text += f", {len(not_imported)} not imported (cancelled)." if not_imported else "."
        if conflicts:
            text += f" {conflicts} conflict(s) found — decide them below."
        self.summary.setText(text)
        if any(r.status == "imported" for r in results):
            self.changed()  # new ratings: progress, reliability and export read them afresh
        else:
            self.conflicts.reload()

    def _import_failed(self, exc: Exception) -> None:
        log.warning("ratings import stopped: %s", exc)
        self.summary.setText(f"The import stopped: {exc}")
        self.changed()  # packages finished before the failure are in
        dialogs.error(self, "Import stopped", f"{exc}\n\nPackages listed as imported before this were imported; "
                      "the package being imported was not.")

    def export_study_package(self) -> None:
        code = next((s.code for s in overview.studies(self.db) if s.id == self.study_id), "study")
        target = choose_package_target(self, _documents() / f"{code}-study-{date.today():%Y-%m-%d}.srpkg")
        if target is None:
            return
        try:
            done = export_study(self.db, target, self.study_id)
        except (StudyError, DatabaseError, OSError) as exc:
            log.info("study package not written: %s", exc)
            dialogs.warn(self, "Study package not written", str(exc))
            return
        counts = ", ".join(f"{n} {what}" for what, n in done.counts.items())
        sections = [("Recordings outside the media root (desktops need them at the same absolute path)",
                     list(done.absolute_paths))] if done.absolute_paths else []
        self.last_report = show_report(self, "Study package written",
                                       f"Wrote {done.path}: study {done.study_code} ({counts}). Import it on each "
                                       "desktop (coordinator mode there: Pooling → Import study package…) and "
                                       "choose its recordings folder.",
                                       sections)
