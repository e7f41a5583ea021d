"""Reading a long-format table (CSV or XLSX) into header + numbered rows.

Column names are matched without regard to case or surrounding spaces. Every
problem that stops the file being read at all (empty file, unreadable
workbook, wrong encoding) raises :class:`TableReadError`; problems of single
rows are left to the caller, which knows what the values mean.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class TableReadError(Exception):
    """The file cannot be read as a table; ``problems`` says why."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SourceRow:
    """One data row: its line (CSV) or row number (XLSX) and values by column name."""

    line: int
    values: dict[str, Any]


def read_table(path: str | Path) -> tuple[list[str], list[SourceRow], list[str]]:
    """(column names, data rows, row-shape problems) of a .csv or .xlsx file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise TableReadError([f"{path.name}: use a .csv or .xlsx file (got {suffix or 'no extension'})"])
    if not path.is_file():
        raise TableReadError([f"{path}: file not found"])
    if suffix == ".csv":
        header, raw = _read_csv(path)
    else:
        header, raw = _read_xlsx(path)
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    if not any(names):
        raise TableReadError([f"{path.name}: the file is empty"])
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise TableReadError([f"line 1: repeated column(s): {', '.join(repeated)}"])
    rows, problems = [], []
    for line, values in raw:
        if all(_blank(v) for v in values):
            continue
        if len(values) > len(names) and any(not _blank(v) for v in values[len(names):]):
            problems.append(f"line {line}: {len(values)} fields but the header has {len(names)}")
            continue
        padded = list(values) + [None] * (len(names) - len(values))
        rows.append(SourceRow(line, {n: v for n, v in zip(names, padded, strict=False) if n}))
    if not rows and not problems:
        raise TableReadError([f"{path.name}: no rows after the header line"])
    log.info("read %d rows from %s", len(rows), path)
    return [n for n in names if n], rows, problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = []
            for values in reader:
                rows.append((reader.line_num, values))
    except UnicodeDecodeError:
        raise TableReadError([f"{path.name}: not UTF-8 text; save the CSV as UTF-8"]) from None
    except (OSError, csv.Error) as exc:
        raise TableReadError([f"{path.name}: cannot be read: {exc}"]) from None
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, XML errors… for damaged files
        raise TableReadError([f"{path.name}: cannot be read as an Excel workbook ({exc})"]) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = list(next(rows, ()) or ())
        data = [(i, list(values)) for i, values in enumerate(rows, start=2)]
    finally:
        wb.close()
    return header, data
