"""Exporting a study: the workbook the PI opens and the same tables as CSV.

:func:`export_study` checks the targets first (an unwritable path fails
before any work), computes the reliability figures with :mod:`rater.stats`,
then streams every table to the workbook and/or the CSV folder (and the
SPSS files), reporting progress and honouring cancellation throughout.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rater.export.atomic import Staging, check_target, write_error
from rater.export.codebook import codebook_tables
from rater.export.csv_tables import write_csv_stage
from rater.export.dataset import ExportCounts, StudyData, load_study
from rater.export.exclusions_table import exclusions_table
from rater.export.methods_table import methods_table
from rater.export.progress import CancelFn, ProgressFn, Tracker
from rater.export.rating_tables import item_columns, long_table, scale_ids, session_means_table, wide_table
from rater.export.record_tables import (
    homework_table,
    marks_table,
    no_anchor_table,
    rater_bias_table,
    raters_table,
)
from rater.export.reliability_tables import reliability_table
from rater.export.spss import write_sav_files
from rater.export.table import Sheet
from rater.export.training_tables import training_tables
from rater.export.workbook import write_book
from rater.heap import trim
from rater.stats import ReliabilityReport, StatsInputError, analyse
from rater.storage.database import Database

log = logging.getLogger(__name__)


@dataclass
class ExportResult:
    """What was written and how long it took."""

    study_code: str
    counts: ExportCounts
    workbook: Path | None = None
    csv_files: list[Path] = field(default_factory=list)
    reliability_problems: list[str] = field(default_factory=list)
    spss_files: list[Path] = field(default_factory=list)
    cut_cells: list[tuple[str, str]] = field(default_factory=list)  # (sheet, cell) cut to Excel's text limit
    split_sheets: list[tuple[str, int, list[str]]] = field(default_factory=list)  # (table, rows, sheets)
    seconds: float = 0.0
    tracker: Tracker = field(default_factory=lambda: Tracker(1), repr=False)


@dataclass(frozen=True)
class StudyReliability:
    """The study's reliability report (None if nothing can be analysed, with the reasons)
    and where its scale and item labels come from."""

    report: ReliabilityReport | None
    scale_sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    item_sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def study_reliability(data: StudyData) -> StudyReliability:
    """Analyse the same ratings the export contains with :func:`rater.stats.analyse`."""
    try:
        rel = data.reliability_data()  # the ratings read once by load_study, not a second read
        report = analyse(rel.rows, rel.scales)
    except StatsInputError as err:
        log.info("no reliability figures: %s", "; ".join(err.problems))
        return StudyReliability(None, problems=list(err.problems))
    return StudyReliability(report, rel.scale_sources, rel.item_sources)


def build_sheets(data: StudyData, counts: ExportCounts, reliability: StudyReliability,
                 exported_at: datetime) -> list[Sheet]:
    """The workbook's sheets in order; tables stream their rows when written."""
    report = reliability.report
    bias = report.raters if report else []
    data_tables = [
        long_table(data, counts.item_scores),
        wide_table(data, counts.rater_sessions),
        session_means_table(data, counts.sessions),
        reliability_table(report, "scale", reliability.scale_sources, reliability.problems),
        reliability_table(report, "item", reliability.item_sources, reliability.problems),
        exclusions_table(report, reliability.scale_sources, reliability.item_sources),
        methods_table(data, report, reliability.problems),
        raters_table(data, bias),
        rater_bias_table(bias),
        homework_table(data),
        marks_table(data),
        no_anchor_table(data),
        *training_tables(data),  # only for a study with training material or consensus scores
    ]
    codebook = codebook_tables(data, counts, exported_at, data_tables)
    return [Sheet("Codebook", codebook, sectioned=True), *(Sheet(t.title, [t]) for t in data_tables)]


def export_study(db: Database, study_id: str, *, xlsx: str | Path | None = None, csv_dir: str | Path | None = None,
                 include_in_progress: bool = False, csv_bom: bool = False, spss: bool = False,
                 progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> ExportResult:
    """Export one study to an .xlsx workbook and/or a folder of CSV files (and, with ``spss``, .sav files there).

    ``progress(fraction, message)`` is called as work proceeds, with fractions
    that only rise; when ``cancel()`` returns True the export stops with
    :class:`~rater.export.atomic.ExportCancelled`. An unwritable target raises
    :class:`~rater.export.atomic.ExportError` before any work. Every output is
    written under a temporary name and all are put in place together at the
    end, so a failure or cancel leaves no file, no temporary file and no
    folder the export created.
    """
    if xlsx is None and csv_dir is None:
        raise ValueError("choose a workbook path, a CSV folder, or both")
    if spss and csv_dir is None:
        raise ValueError("the SPSS files are written into the CSV folder: choose one")
    started = time.perf_counter()
    staging = Staging()
    try:
        summary = _export(db, study_id, staging, xlsx, csv_dir, include_in_progress, csv_bom, spss, progress, cancel)
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    summary.seconds = time.perf_counter() - started
    summary.tracker.finish(f"Exported {summary.counts.item_scores:,} item scores in {summary.seconds:.1f} s")
    log.info("exported study %s (%d item scores) in %.1f s", summary.study_code, summary.counts.item_scores,
             summary.seconds)
    return summary


def _export(db: Database, study_id: str, staging: Staging, xlsx: str | Path | None, csv_dir: str | Path | None,
            include_in_progress: bool, csv_bom: bool, spss: bool, progress: ProgressFn | None,
            cancel: CancelFn | None) -> ExportResult:
    """Write every output into ``staging``; the caller commits or discards it."""
    target = check_target(Path(xlsx)) if xlsx is not None else None
    workbook_tmp = staging.file(target) if target is not None else None
    folder = Path(csv_dir).expanduser().absolute() if csv_dir is not None else None
    stage = staging.folder(folder) if folder is not None else None
    data = load_study(db, study_id, include_in_progress)
    counts = data.counts()
    # Reliability costs about as much as two passes over the item scores; the
    # estimates only shape the progress bar, which replan() keeps rising.
    reliability_weight = 2 * counts.item_scores + 1
    outputs = (target is not None) + (folder is not None) + 0.5 * spss
    tracker = Tracker(reliability_weight + outputs * _estimate(data, counts), progress, cancel)
    tracker.advance(0, "Computing reliability", force=True)
    reliability = study_reliability(data)
    trim()  # the statistics' temporaries, before the tables are made
    exported_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    sheets = build_sheets(data, counts, reliability, exported_at)
    tables = sum(s.weight for s in sheets)
    tracker.replan(((target is not None) + (folder is not None)) * tables
                   + (counts.rater_sessions + counts.sessions) * 40 * spss)
    summary = ExportResult(data.study.code, counts, reliability_problems=reliability.problems, tracker=tracker)
    if target is not None and workbook_tmp is not None:
        try:
            with workbook_tmp.open("wb") as handle:
                write_book(sheets, handle, tracker, data.study.name, summary.cut_cells, summary.split_sheets)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise write_error(target, exc) from exc
        summary.workbook = target
    if folder is not None and stage is not None:
        names = write_csv_stage(sheets, stage, tracker, bom=csv_bom)
        if spss:
            names += write_sav_files(data, counts, stage, tracker)
        paths = staging.move_folder(stage, folder, names)
        summary.csv_files = [p for p in paths if p.suffix == ".csv"]
        summary.spss_files = [p for p in paths if p.suffix == ".sav"]
    return summary


def _estimate(data: StudyData, counts: ExportCounts) -> int:
    """Cells to write, before the tables exist (for the first progress fractions)."""
    n_items, n_scales = len(item_columns(data)), len(scale_ids(data))
    return (14 * counts.item_scores + (8 + n_items + n_scales) * counts.rater_sessions
            + (4 + 2 * n_scales) * counts.sessions)
