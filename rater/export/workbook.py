"""Writing sheets to one .xlsx file with the streaming writer of :mod:`rater.export.xlsx_stream`.

Every number is a numeric cell, every date a date cell, headers are bold and
frozen with an autofilter, columns are sized from the header and the first
rows. All text is written as text (a leading "=" never becomes a formula);
control characters are replaced, text over 32,767 characters is cut with a
marker and reported, and non-finite numbers are blank cells, because any of
those would make Excel offer to "repair" the file. A table longer than a
worksheet's 1,048,576 rows continues on "<title> (2)", and so on.

Why not openpyxl: for a million item scores its write-only mode alone takes
minutes (an object and a serialiser call per cell); the streaming writer
writes the same cells as strings straight into the zip (``bench/bench_export.py``
prints both).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from rater import __version__
from rater.export.atomic import atomic_file
from rater.export.progress import Tracker
from rater.export.table import Column, Sheet, Table
from rater.export.xlsx_stream import BOLD, PLAIN, TITLE, WRAP, WorkbookStream
from rater.heap import trim

log = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576
ZIP_LEVEL = 1  # deflate level 1: a third of level 6's time for a file about 15% larger (bench_export)
_SAMPLE_ROWS = 200
_WIDTH_MIN, _WIDTH_MAX = 6, 60
_BATCH = 2_000  # rows between progress reports / cancellation checks
_LARGE_CELLS = 40_000_000  # cells above which a sheet part may pass 2 GiB and needs zip64


def _widths(column_sets: Sequence[Sequence[Column]], row_sets: Sequence[Sequence[Sequence[Any]]]) -> list[float]:
    widths: list[float] = []
    for columns, rows in zip(column_sets, row_sets, strict=True):
        for i, col in enumerate(columns):
            width = max(len(col.name) + 2, col.fixed_width or 0)
            for row in rows:
                value = row[i] if i < len(row) else None
                if value is not None and col.fixed_width is None:
                    width = max(width, len(str(value)) + 1)
            if i == len(widths):
                widths.append(width)
            else:
                widths[i] = max(widths[i], width)
    return [float(min(max(w, _WIDTH_MIN), _WIDTH_MAX)) for w in widths]


class _Writer:
    """Writes the export's sheets through one :class:`WorkbookStream`."""

    def __init__(self, book: WorkbookStream, tracker: Tracker):
        self.book = book
        self.tracker = tracker
        self.splits: list[tuple[str, int, list[str]]] = []  # (table title, rows, sheet names) past the row limit

    def _styles(self, columns: Sequence[Column]) -> list[int] | None:
        styles = [self.book.style_for(c.number_format) for c in columns]
        return styles if any(styles) else None

    def write_table(self, title: str, table: Table) -> None:
        """A sheet (or several, past Excel's row limit) holding one table."""
        rows: Iterator[Sequence[Any]] = iter(table.iter_rows())
        sample = list(islice(rows, _SAMPLE_ROWS))
        widths = _widths([table.columns], [sample])
        rows = chain(sample, rows)
        styles = self._styles(table.columns)
        width = len(table.columns)
        large = table.weight > _LARGE_CELLS
        part, written = 1, 0
        names = []
        while True:
            names.append(title if part == 1 else f"{title[:25]} ({part})")
            ws = self.book.sheet(names[-1], widths, large=large)
            ws.append([c.name for c in table.columns], row_style=BOLD)
            ws.column_kinds([c.kind for c in table.columns])
            n = 0
            append = ws.append
            for row in islice(rows, EXCEL_MAX_ROWS - 1):
                append(row, styles)
                n += 1
                if n % _BATCH == 0:
                    self.tracker.advance(_BATCH * width, f"Writing {title}: {written + n:,} rows")
            self.tracker.advance((n % _BATCH) * width, f"Writing {title}")
            ws.close(autofilter_columns=width)
            written += n
            if n < EXCEL_MAX_ROWS - 1:
                break
            following = next(rows, None)
            if following is None:
                break
            rows = chain([following], rows)
            part += 1
        if part > 1:
            self.splits.append((title, written, names))
            log.info("%s: %d rows, more than a worksheet holds: on %s", title, written, ", ".join(names))
        log.debug("sheet %s: %d rows on %d sheet(s)", title, written, part)

    def write_sections(self, sheet: Sheet) -> None:
        """A sheet of titled sections (the codebook): title, bold header, rows, blank line."""
        materialised = [list(t.iter_rows()) for t in sheet.tables]
        ws = self.book.sheet(sheet.title, _widths([t.columns for t in sheet.tables], materialised),
                             freeze_header=False)
        for table, rows in zip(sheet.tables, materialised, strict=True):
            ws.append([table.title], row_style=TITLE)
            ws.append([c.name for c in table.columns], row_style=BOLD)
            styles = self._styles(table.columns) or [PLAIN] * len(table.columns)
            for row in rows:
                # Long text wraps so a description stays readable in a sized column.
                ws.append(row, [WRAP if v.__class__ is str and len(v) > _WIDTH_MAX else s
                                for v, s in zip(row, styles, strict=False)])
            ws.append([])
            self.tracker.advance(table.weight, f"Writing {sheet.title}")
        ws.close()


def write_book(sheets: Sequence[Sheet], handle: IO[bytes], tracker: Tracker, title: str = "",
               cut_cells: list[tuple[str, str]] | None = None,
               splits: list[tuple[str, int, list[str]]] | None = None) -> None:
    """Write ``sheets`` as an .xlsx file to the open binary ``handle``.

    Cells whose text was cut to Excel's 32,767 characters are added to
    ``cut_cells`` as (sheet, cell reference); tables longer than a worksheet
    to ``splits`` as (title, rows, the sheets holding them).
    """
    with WorkbookStream(handle, level=ZIP_LEVEL, title=title, creator=f"Session Rater {__version__}") as book:
        writer = _Writer(book, tracker)
        for sheet in sheets:
            if sheet.sectioned:
                writer.write_sections(sheet)
            else:
                writer.write_table(sheet.title, sheet.tables[0])
            trim()  # one table's temporaries, before the next table's
        tracker.advance(0, "Finishing the workbook", force=True)
    if splits is not None:
        splits.extend(writer.splits)
    if book.cuts.cells:
        log.warning("%d text cell(s) cut to Excel's 32,767 characters", len(book.cuts.cells))
        if cut_cells is not None:
            cut_cells.extend(book.cuts.cells)


def write_workbook(sheets: Sequence[Sheet], path: str | Path, tracker: Tracker | None = None,
                   title: str = "", cut_cells: list[tuple[str, str]] | None = None) -> Path:
    """Write ``sheets`` to ``path`` atomically; returns the absolute path written.

    Raises :class:`~rater.export.atomic.ExportError` if the file cannot be
    written and :class:`~rater.export.atomic.ExportCancelled` if the tracker's
    cancel hook fires; in both cases nothing is left at ``path``.
    """
    tracker = tracker or Tracker(sum(s.weight for s in sheets))
    with atomic_file(path, "wb") as handle:
        write_book(sheets, handle, tracker, title, cut_cells)
    return Path(path).expanduser().absolute()
