"""Exporting a study: one Excel workbook for the PI, the same tables as CSV, SPSS files with labels.

Free of Qt; the workbook is written by :mod:`rater.export.xlsx_stream`, and
pandas/pyreadstat are imported only while SPSS files are written.

Entry points: :func:`export_study` (workbook and/or CSV folder, with progress
and cancellation), :func:`load_study` (the study's data as plain rows),
:func:`build_sheets`, :func:`write_workbook` and :func:`write_csv_folder`
for callers that assemble their own output, and the legacy-ratings import
:func:`import_legacy_ratings`.
"""

from rater.export.atomic import ExportCancelled, ExportError, atomic_file
from rater.export.csv_tables import write_csv_folder
from rater.export.dataset import StudyData, load_study
from rater.export.exporter import ExportResult, StudyReliability, build_sheets, export_study, study_reliability
from rater.export.legacy_import import ImportSummary, LegacyImportError, import_legacy_ratings
from rater.export.table import Column, Sheet, Table
from rater.export.workbook import write_workbook

__all__ = [
    "Column",
    "ExportCancelled",
    "ExportError",
    "ExportResult",
    "ImportSummary",
    "LegacyImportError",
    "Sheet",
    "StudyData",
    "StudyReliability",
    "Table",
    "atomic_file",
    "build_sheets",
    "export_study",
    "import_legacy_ratings",
    "load_study",
    "study_reliability",
    "write_csv_folder",
    "write_workbook",
]
