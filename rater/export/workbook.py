"""Writing sheets to one .xlsx file with openpyxl's write-only (streaming) mode.

Every number is a numeric cell, every date a date cell, headers are bold and
frozen with an autofilter, columns are sized from the header and the first
rows. Text that a spreadsheet would misread (a leading "=", control
characters, more than 32,767 characters) is written as plain, cleaned text,
and non-finite numbers as blank cells, because either would make Excel
offer to "repair" the file. A table longer than a worksheet's 1,048,576 rows
continues on "<title> (2)", and so on. openpyxl is imported only here.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from itertools import chain, islice
from pathlib import Path
from typing import Any

from rater import __version__
from rater.export.atomic import atomic_file
from rater.export.progress import Tracker
from rater.export.table import Column, Sheet, Table

log = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
_SAMPLE_ROWS = 200
_WIDTH_MIN, _WIDTH_MAX = 6, 60
_BATCH = 2_000  # rows between progress reports / cancellation checks
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Literal(str):
    """Text starting with "=": must be written as a string cell, not a formula."""


def _clean_text(value: Any) -> Any:
    if value.__class__ is not str:
        return value
    if value.isprintable() and value[:1] != "=" and len(value) <= EXCEL_MAX_TEXT:
        return value  # the common case, decided in C
    if len(value) > EXCEL_MAX_TEXT:
        value = value[:EXCEL_MAX_TEXT]
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub(" ", value)
    return _Literal(value) if len(value) > 1 and value[0] == "=" else value


def _finite(value: Any) -> Any:
    if value.__class__ is float and not math.isfinite(value):
        log.warning("a non-finite number was written as a blank cell")
        return None
    return value


def _fixers(columns: Sequence[Column]) -> list[tuple[int, Callable[[Any], Any]]]:
    fixes: list[tuple[int, Callable[[Any], Any]]] = []
    for i, col in enumerate(columns):
        if col.kind in ("text", "mixed"):
            fixes.append((i, _clean_text))
        if col.kind in ("float", "mixed"):
            fixes.append((i, _finite))
    return fixes


def _fixed(rows: Iterable[Sequence[Any]], fixes: list[tuple[int, Callable[[Any], Any]]]) -> Iterator[Sequence[Any]]:
    """Rows with cleaned text and finite numbers; only changed rows are copied (as lists)."""
    for row in rows:
        out = None
        for i, fix in fixes:
            value = row[i]
            if value is not None:
                new = fix(value)
                if new is not value:
                    if out is None:
                        out = list(row)
                    out[i] = new
        yield row if out is None else out


class _Writer:
    """Holds the openpyxl workbook and the few styles shared by all sheets."""

    def __init__(self, tracker: Tracker):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font

        self.wb = Workbook(write_only=True)
        self.wb.properties.creator = f"Session Rater {__version__}"
        self.Cell = WriteOnlyCell
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=13)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.tracker = tracker

    def cell(self, ws, value: Any, font=None, number_format: str | None = None, wrap: bool = False):
        if value.__class__ is _Literal:
            cell = self.Cell(ws, value=str(value))
            cell.data_type = "s"  # text, never a formula
        else:
            cell = self.Cell(ws, value=value)
        if font is not None:
            cell.font = font
        if number_format is not None:
            cell.number_format = number_format
        if wrap:
            cell.alignment = self.wrap
        return cell

    def _row(self, ws, row: Sequence[Any], formats: Sequence[str | None] | None, wrap_over: int | None):
        """Plain values pass through; literal text, formatted numbers and long text become styled cells."""
        out = list(row)
        for i, value in enumerate(row):
            cls = value.__class__
            if cls is _Literal or (cls is str and wrap_over is not None and len(value) > wrap_over):
                out[i] = self.cell(ws, value, wrap=wrap_over is not None and len(value) > wrap_over)
            elif formats is not None and formats[i] is not None and (cls is int or cls is float):
                out[i] = self.cell(ws, value, number_format=formats[i])
        return out

    def _new_sheet(self, title: str, widths: Sequence[float]):
        from openpyxl.utils import get_column_letter

        ws = self.wb.create_sheet(title)
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        return ws

    def write_table(self, title: str, table: Table) -> None:
        """A sheet (or several, past Excel's row limit) holding one table."""
        from openpyxl.utils import get_column_letter

        rows = iter(table.iter_rows())
        sample = list(islice(rows, _SAMPLE_ROWS))
        widths = _widths([table.columns], [sample])
        rows = _fixed(chain(sample, rows), _fixers(table.columns))
        formats = [c.number_format for c in table.columns]
        formats = formats if any(formats) else None
        width = len(table.columns)
        part, written = 1, 0
        while True:
            ws = self._new_sheet(title if part == 1 else f"{title[:25]} ({part})", widths)
            ws.freeze_panes = "A2"
            ws.append([self.cell(ws, c.name, self.bold) for c in table.columns])
            n = 0
            for row in islice(rows, EXCEL_MAX_ROWS - 1):
                # Rows the fixers left alone are tuples and need no styling (the fast path).
                ws.append(row if formats is None and row.__class__ is tuple else self._row(ws, row, formats, None))
                n += 1
                if n % _BATCH == 0:
                    self.tracker.advance(_BATCH * width, f"Writing {title}: {written + n:,} rows")
            self.tracker.advance((n % _BATCH) * width, f"Writing {title}")
            ws.auto_filter.ref = f"A1:{get_column_letter(width)}{n + 1}"
            written += n
            if n < EXCEL_MAX_ROWS - 1:
                break
            following = next(rows, None)
            if following is None:
                break
            rows = chain([following], rows)
            part += 1
        log.debug("sheet %s: %d rows on %d sheet(s)", title, written, part)

    def write_sections(self, sheet: Sheet) -> None:
        """A sheet of titled sections (the codebook): title, bold header, rows, blank line."""
        materialised = [list(_fixed(t.iter_rows(), _fixers(t.columns))) for t in sheet.tables]
        ws = self._new_sheet(sheet.title, _widths([t.columns for t in sheet.tables], materialised))
        for table, rows in zip(sheet.tables, materialised, strict=True):
            ws.append([self.cell(ws, table.title, self.title_font)])
            ws.append([self.cell(ws, c.name, self.bold) for c in table.columns])
            formats = [c.number_format for c in table.columns]
            for row in rows:
                ws.append(self._row(ws, row, formats, _WIDTH_MAX))
            ws.append([])
            self.tracker.advance(table.weight, f"Writing {sheet.title}")


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


def write_workbook(sheets: Sequence[Sheet], path: str | Path, tracker: Tracker | None = None,
                   title: str = "") -> Path:
    """Write ``sheets`` to ``path`` atomically; returns the absolute path written.

    Raises :class:`~rater.export.atomic.ExportError` if the file cannot be
    written and :class:`~rater.export.atomic.ExportCancelled` if the tracker's
    cancel hook fires; in both cases nothing is left at ``path``.
    """
    tracker = tracker or Tracker(sum(s.weight for s in sheets))
    writer = _Writer(tracker)
    writer.wb.properties.title = title or None
    try:
        with atomic_file(path, "wb") as handle:
            for sheet in sheets:
                if sheet.sectioned:
                    writer.write_sections(sheet)
                else:
                    writer.write_table(sheet.title, sheet.tables[0])
            tracker.advance(0, "Compressing the workbook", force=True)
            writer.wb.save(handle)
    except BaseException:
        _discard_sheets(writer.wb)
        raise
    return Path(path).expanduser().absolute()


def _discard_sheets(wb) -> None:
    # openpyxl streams each write-only sheet to a scratch file in the system temp
    # folder; save() removes them, but after a failure or a cancel they would stay
    # until the interpreter exits, filling the temp folder of a long-running GUI.
    for ws in wb.worksheets:
        with suppress(Exception):
            if not ws.closed:
                ws.close()
        out = getattr(getattr(ws, "_writer", None), "out", None)
        if isinstance(out, str):
            Path(out).unlink(missing_ok=True)
