"""Reading long-format ratings from CSV.

Columns: ``session_id, rater_id, item, score`` (a blank score is missing) and
optionally ``patient_id, session_number, scale, submitted_at`` (ISO 8601).
Other columns are ignored. Every problem found is reported at once, with its
line number, in a :class:`StatsInputError`.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

from rater.stats.table import RatingRow, RatingTable, StatsInputError

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = RatingRow._fields[:4]
OPTIONAL_COLUMNS = RatingRow._fields[4:]


def read_ratings_csv(path: str | Path) -> RatingTable:
    """Read and validate a long-format ratings CSV (UTF-8, optional BOM)."""
    path = Path(path)
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or not any(field.strip() for field in header):
            raise StatsInputError([f"{path.name}: the file is empty"])
        names = [field.strip() for field in header]
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:
            problems.append(f"line 1: repeated column(s): {', '.join(repeated)}")
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            problems.append(f"line 1: missing column(s): {', '.join(missing)}")
        if problems:
            raise StatsInputError(problems)

        position = {name: names.index(name)
                    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in names}
        columns: dict[str, list[str]] = {name: [] for name in position}
        lines: list[int] = []
        for row in reader:
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(names):
                problems.append(f"line {reader.line_num}: expected {len(names)} fields, "
                                f"found {len(row)}")
                continue
            for name, j in position.items():
                columns[name].append(row[j].strip())
            lines.append(reader.line_num)
    if not lines:
        raise StatsInputError(problems or [f"{path.name}: no ratings after the header line"])
    logger.info("read %d rating rows from %s", len(lines), path)
    try:
        table = RatingTable.from_columns(**columns, line_numbers=np.array(lines))
    except StatsInputError as err:
        raise StatsInputError(problems + err.problems) from None
    if problems:
        raise StatsInputError(problems)
    return table
