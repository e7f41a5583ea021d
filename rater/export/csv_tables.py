"""Writing every table to its own CSV file, for R and SPSS.

UTF-8 (optionally with a byte-order mark, which Excel needs to detect UTF-8),
comma-separated, a header line, blank for missing values, TRUE/FALSE as 1/0,
dates as YYYY-MM-DD and times as YYYY-MM-DD HH:MM:SS. The files are written
into a hidden staging folder and moved into place together when all are
complete; a failure or a cancel leaves the folder as it was (and removes it
if the export created it).
"""

from __future__ import annotations

import csv
import logging
import math
import os
from collections.abc import Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from rater.export.atomic import Staging, write_error
from rater.export.csv_text import block_text, converted_text, plain_text
from rater.export.progress import Tracker
from rater.export.table import Column, Sheet, Table
from rater.heap import trim

log = logging.getLogger(__name__)

_BATCH = 5_000


def _csv_value(value: Any) -> Any:
    """One cell as CSV text (type-based, for columns of mixed content)."""
    cls = value.__class__
    if cls is bool:
        return 1 if value else 0
    if cls is datetime:
        return value.isoformat(sep=" ", timespec="seconds")
    if cls is float and not math.isfinite(value):
        return None
    return value


def _converted(columns: Sequence[Column]) -> list[bool]:
    # Only columns whose Python str() is not already the CSV form need converting.
    return [c.kind in ("bool", "datetime", "mixed", "float") for c in columns]


def _csv_rows(rows: list[Sequence[Any]], converted: list[int]) -> list[Sequence[Any]]:
    """The block's rows with the converted columns' cells made CSV values, for the csv module."""
    if not converted:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i in converted:
            if row[i] is not None:
                row[i] = _csv_value(row[i])
        out.append(row)
    return out


def write_table_csv(table: Table, path: Path, tracker: Tracker, bom: bool = False) -> int:
    """Write one table to ``path`` (in a staging folder: no temporary name of its own); returns the data rows."""
    converted = _converted(table.columns)
    texts = [converted_text if c else plain_text for c in converted]
    converted_at = [i for i, c in enumerate(converted) if c]
    width = len(table.columns)
    n = 0
    # A table that gives its own CSV text is written from it, not from its rows.
    rows = iter(() if table.csv_text is not None else table.iter_rows())
    try:
        with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.header)
            for text, rows_in_block in table.csv_text() if table.csv_text is not None else ():
                handle.write(text)
                n += rows_in_block
                tracker.advance(rows_in_block * width, f"Writing {path.name}: {n:,} rows")
            while block := list(islice(rows, _BATCH)):
                text = block_text(block, texts)
                if text is None:
                    writer.writerows(_csv_rows(block, converted_at))
                else:
                    handle.write(text)
                n += len(block)
                tracker.advance(len(block) * width, f"Writing {path.name}: {n:,} rows")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise write_error(path, exc) from exc
    tracker.advance(0, f"Wrote {path.name}")
    return n


def write_csv_stage(sheets: Sequence[Sheet], stage: Path, tracker: Tracker, bom: bool = False) -> list[str]:
    """Every table of ``sheets`` as ``<stage>/<table key>.csv``; returns the file names written."""
    names = []
    for sheet in sheets:
        for table in sheet.tables:
            name = f"{table.key}.csv"
            write_table_csv(table, stage / name, tracker, bom)
            trim()  # one table's temporaries, before the next table's
            names.append(name)
    return names


def write_csv_folder(sheets: Sequence[Sheet], folder: str | Path, tracker: Tracker | None = None,
                     bom: bool = False) -> list[Path]:
    """Every table of ``sheets`` as ``<folder>/<table key>.csv``, all or none; returns the paths written."""
    tracker = tracker or Tracker(sum(s.weight for s in sheets))
    staging = Staging()
    try:
        stage = staging.folder(folder)
        names = write_csv_stage(sheets, stage, tracker, bom)
        written = staging.move_folder(stage, Path(folder).expanduser().absolute(), names)
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    log.info("wrote %d CSV files to %s", len(written), folder)
    return written
