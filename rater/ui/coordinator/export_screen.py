"""Export: the pooled Excel workbook (and CSV files) for the PI, written in a worker with a progress dialog."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QFileDialog, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from rater.export import ExportCancelled, ExportError, ExportResult, export_study
from rater.storage.database import DatabaseError
from rater.study.reports import overview
from rater.ui import dialogs
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.progress_run import STEPS, ProgressRun
from rater.ui.coordinator.widgets import Screen, button, fill_table, make_table, row

log = logging.getLogger(__name__)

XLSX_FILTER = "Excel workbooks (*.xlsx)"
EXPECTED = (ExportError, ExportCancelled, DatabaseError, LookupError, OSError)


def open_folder(path: Path) -> bool:
    """Show ``path`` (a folder) in the desktop's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _documents() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


class ExportScreen(Screen):
    """Choose the workbook and an optional CSV folder, export, and see what was written."""

    title = "Export"
    subtitle = ("One Excel workbook the PI can open: codebook, ratings long and wide, session means, reliability, "
                "item reliability, raters, homework log and marks. The same tables can be written as CSV files "
                "for R and SPSS. Files appear only when complete; a cancelled export leaves nothing behind.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.run: ProgressRun | None = None
        self.summary: ExportResult | None = None
        self._default_for: str | None = None  # the study the suggested file name was made for
        self.workbook = QLineEdit()
        self.workbook.setPlaceholderText("Where to save the workbook (.xlsx)")
        self.workbook.setMinimumWidth(460)
        self.csv_folder = QLineEdit()
        self.csv_folder.setPlaceholderText("Optional: a folder for the CSV files (one per table)")
        self.csv_bom = QCheckBox("Start the CSV files with a byte-order mark (lets Excel on Windows read accents "
                                 "correctly; R and SPSS do not need it)")
        self.spss = QCheckBox("Also write SPSS files (.sav) into the CSV folder: item texts and anchors as labels, "
                              "N/A as a declared missing code (SPSS, R haven)")
        self.in_progress = QCheckBox("Include ratings still in progress (normally only submitted ratings are "
                                     "exported; in-progress ones may still change)")
        self.export_button = button("Export…", self.do_export, "Write the workbook (and the CSV files)",
                                    primary=True)
        box = QGroupBox("Export the pooled ratings")
        form = QFormLayout(box)
        form.addRow("Workbook:", row(self.workbook, button("Browse…", self.browse_workbook,
                                                          "Choose where to save the workbook")))
        form.addRow("CSV folder:", row(self.csv_folder, button("Browse…", self.browse_csv,
                                                              "Choose a folder for the CSV files")))
        form.addRow("", self.csv_bom)
        form.addRow("", self.spss)
        form.addRow("", self.in_progress)
        form.addRow("", row(self.export_button, None))

        self.result_box = QGroupBox("Last export")
        self.result = QLabel(objectName="muted")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sheets = make_table(["Sheet or file", "Rows", "What a row is"], stretch=2)
        self.open_button = button("Open folder", self.open_result_folder, "Show the exported files")
        inner = QFormLayout(self.result_box)
        inner.addRow(self.result)
        inner.addRow(self.sheets)
        inner.addRow(row(self.open_button, None))
        self.result_box.hide()
        self.content.addWidget(box)
        self.content.addWidget(self.result_box, 1)

    def reload(self) -> None:
        # Suggest a file name once per study; a path the coordinator typed is kept.
        if self._default_for != self.study_id:
            code = next((s.code for s in overview.studies(self.db) if s.id == self.study_id), "study")
            self.workbook.setText(str(_documents() / f"{code}-pooled-{date.today():%Y-%m-%d}.xlsx"))
            self._default_for = self.study_id
            self.result_box.hide()

    def browse_workbook(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save the workbook as", self.workbook.text(), XLSX_FILTER)
        if chosen:
            self.workbook.setText(chosen if chosen.lower().endswith(".xlsx") else f"{chosen}.xlsx")

    def browse_csv(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the CSV files", self.csv_folder.text())
        if chosen:
            self.csv_folder.setText(chosen)

    def do_export(self) -> None:
        if self.run is not None and self.run.running:
            return
        xlsx = self.workbook.text().strip() or None
        if xlsx is not None and not xlsx.lower().endswith(".xlsx"):
            xlsx += ".xlsx"
            self.workbook.setText(xlsx)
        csv_dir = self.csv_folder.text().strip() or None
        if xlsx is None and csv_dir is None:
            dialogs.warn(self, "Nothing to export", "Choose where to save the workbook, a CSV folder, or both.")
            return
        if xlsx is not None and Path(xlsx).expanduser().is_file() and not dialogs.confirm(
                self, "Replace the workbook?", f"{xlsx} exists. Replace it with a new export?", ok="Replace"):
            return
        db, study_id = self.db, self.study_id
        include, bom, spss = self.in_progress.isChecked(), self.csv_bom.isChecked(), self.spss.isChecked()
        if spss and csv_dir is None:
            dialogs.warn(self, "Choose a CSV folder", "The SPSS files are written into the CSV folder: choose one.")
            return

        def work(progress, cancelled):
            # Runs in the worker thread: the database (own transactions) and files only, never widgets.
            return export_study(db, study_id, xlsx=xlsx, csv_dir=csv_dir, include_in_progress=include, csv_bom=bom,
                                spss=spss,
                                progress=lambda fraction, message: progress(round(fraction * STEPS), STEPS, message),
                                cancel=cancelled)

        self.run = ProgressRun(self, "Exporting", "Exporting the study…", work)
        self.run.finished.connect(self._exported)
        self.run.failed.connect(self._failed)
        self.run.start()

    def _exported(self, summary: ExportResult) -> None:
        self.summary = summary
        c = summary.counts
        written = [f"the workbook {summary.workbook}"] if summary.workbook else []
        if summary.csv_files:
            written.append(f"{len(summary.csv_files)} CSV file(s) in {summary.csv_files[0].parent}")
        text = (f"Exported study {summary.study_code} in {summary.seconds:.1f} s: {c.item_scores:,} item score(s) from "
                f"{c.ratings:,} rating(s) of {c.sessions:,} session(s), to {' and '.join(written)}.")
        if summary.spss_files:
            text += " SPSS: " + ", ".join(p.name for p in summary.spss_files) + "."
        if summary.cut_cells:
            where = ", ".join(f"{sheet} {cell}" for sheet, cell in summary.cut_cells[:3])
            text += (f" {len(summary.cut_cells):,} text cell(s) longer than Excel's 32,767 characters were cut in the "
                     f"workbook ({where}{'…' if len(summary.cut_cells) > 3 else ''}); the CSV files hold the whole text.")
        for table, rows, names in summary.split_sheets:
            text += (f" {table} has {rows:,} rows, more than an Excel sheet holds: it continues on "
                     f"{', '.join(names[1:])}.")
        if summary.reliability_problems:
            text += " Reliability could not be computed: " + "; ".join(summary.reliability_problems) + "."
        self.result.setText(text)
        self.result.setStyleSheet("")
        rows = [("Ratings long", c.item_scores, "one item score"),
                ("Ratings wide", c.rater_sessions, "one rater's ratings of one session"),
                ("Session means", c.sessions, "one session: the mean of its raters' scale scores")]
        if summary.csv_files:
            rows.append((f"CSV files ({len(summary.csv_files)})", "",
                         f"the same tables, one file each, in {summary.csv_files[0].parent}"))
        fill_table(self.sheets, rows)
        self.sheets.setVisible(True)
        self.open_button.setEnabled(True)
        self.open_button.setVisible(True)
        self.result_box.show()
        log.info("export of %s finished: %s", summary.study_code, summary.workbook or summary.csv_files[:1])

    def _failed(self, exc: Exception) -> None:
        self.summary = None
        if isinstance(exc, ExportCancelled):
            text = "Export cancelled: no file was written."
        else:
            text = f"Export failed: {exc}" + ("" if str(exc).rstrip().endswith(".") else ".")
            if not isinstance(exc, EXPECTED):
                log.error("export failed", exc_info=exc)
            dialogs.warn(self, "Export failed", str(exc))
        self.result.setText(text)
        self.result.setStyleSheet("color: #b91c1c; font-weight: 600;")
        self.sheets.setVisible(False)
        self.open_button.setEnabled(False)
        self.open_button.setVisible(False)
        self.result_box.show()

    def open_result_folder(self) -> None:
        s = self.summary
        if s is None:
            return
        folder = s.workbook.parent if s.workbook else s.csv_files[0].parent if s.csv_files else None
        if folder is not None and not open_folder(folder):
            dialogs.warn(self, "Open folder", f"The folder {folder} could not be opened here.")
