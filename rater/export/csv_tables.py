"""Writing every table to its own CSV file, for R and SPSS.

UTF-8 (optionally with a byte-order mark, which Excel needs to detect UTF-8),
comma-separated, a header line, blank for missing values, TRUE/FALSE as 1/0,
dates as YYYY-MM-DD and times as YYYY-MM-DD HH:MM:SS. Each file is written
atomically; a failure leaves the files already finished in place and no
partial file.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rater.export.atomic import ExportError, atomic_file
from rater.export.progress import Tracker
from rater.export.table import Column, Sheet, Table

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


def _converters(columns: Sequence[Column]) -> list[tuple[int, Callable[[Any], Any]]]:
    # Only columns whose Python str() is not already the CSV form need converting.
    return [(i, _csv_value) for i, c in enumerate(columns) if c.kind in ("bool", "datetime", "mixed", "float")]


def write_table_csv(table: Table, path: Path, tracker: Tracker, bom: bool = False) -> int:
    """Write one table to ``path`` atomically; returns the number of data rows."""
    converters = _converters(table.columns)
    width = len(table.columns)
    n = 0
    with atomic_file(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        for row in table.iter_rows():
            if converters:
                row = list(row)
                for i, convert in converters:
                    if row[i] is not None:
                        row[i] = convert(row[i])
            writer.writerow(row)
            n += 1
            if n % _BATCH == 0:
                tracker.advance(_BATCH * width, f"Writing {path.name}: {n:,} rows")
    tracker.advance((n % _BATCH) * width, f"Wrote {path.name}")
    return n


def prepare_folder(folder: str | Path) -> Path:
    """Create the CSV folder if needed; :class:`ExportError` if it cannot be written."""
    folder = Path(folder).expanduser().absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the CSV folder {folder}: {exc.strerror or exc}.") from exc
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder.")
    return folder


def write_csv_folder(sheets: Sequence[Sheet], folder: str | Path, tracker: Tracker | None = None,
                     bom: bool = False) -> list[Path]:
    """Every table of ``sheets`` as ``<folder>/<table key>.csv``; returns the paths written."""
    folder = prepare_folder(folder)
    tracker = tracker or Tracker(sum(s.weight for s in sheets))
    written = []
    for sheet in sheets:
        for table in sheet.tables:
            path = folder / f"{table.key}.csv"
            write_table_csv(table, path, tracker, bom)
            written.append(path)
    log.info("wrote %d CSV files to %s", len(written), folder)
    return written

