"""Reading long-format ratings from CSV.

Columns: ``session_id, rater_id, item, score`` and optionally ``patient_id,
session_number, scale, submitted_at`` (ISO 8601). Other columns are ignored.
A score of ``NA``, ``nan`` or blank is missing; ``N/A`` means the rater
marked the item not applicable. Every problem found is reported at once,
with its line number, in a :class:`StatsInputError`.

Regular files (no quotes, the same number of fields on every line) are
parsed straight into numpy arrays (:mod:`rater.stats.csv_fast`); any other
file goes through the ``csv`` module, which also locates malformed lines.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from rater.stats.csv_fast import MISSING, NOT_APPLICABLE, parse_regular, to_numbers
from rater.stats.encoding import Coded, locator, to_days
from rater.stats.table import RatingRow, RatingTable, StatsInputError

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = RatingRow._fields[:4]
OPTIONAL_COLUMNS = RatingRow._fields[4:]
MISSING_RULE = "NA, nan and blank scores are missing; N/A means the item was marked not applicable"
_ID_COLUMNS = ("session_id", "rater_id", "item", "patient_id", "scale", "submitted_at")
_MISSING_TEXT = {token.decode() for token in MISSING}
_NA_TEXT = {token.decode() for token in NOT_APPLICABLE}
_MAX_LISTED = 20

Ranges = Mapping[str, tuple[int, int]]


def read_ratings_csv(path: str | Path, ranges: Ranges | None = None) -> RatingTable:
    """Read and validate a long-format ratings CSV (UTF-8, optional BOM).

    ``ranges`` (item id → lowest and highest allowed whole score, e.g. from
    an instrument) also checks every score and refuses items it does not
    name. A file with one rater, or without a session rated twice, is refused.
    """
    path = Path(path)
    data = _without_bom(path.read_bytes())
    header_end = data.find(b"\n") + 1 or len(data)
    try:
        header_text = data[:header_end].decode("utf-8")
    except UnicodeDecodeError:
        raise StatsInputError([f"{path.name}: line 1 is not UTF-8 text"]) from None
    header = next(csv.reader(io.StringIO(header_text)), None)
    position = _columns(path, header)
    table, lines = None, None
    parsed = parse_regular(data, header_end, len(header),
                           {n: j for n, j in position.items() if n in _ID_COLUMNS},
                           {n: j for n, j in position.items() if n not in _ID_COLUMNS})
    if parsed is not None and parsed.n_rows:
        # The file's bytes are not needed to build the table: freeing them first lowers the
        # peak by their size. The rare file sent on to the csv module is read again.
        del data
        table = _table_from_arrays(parsed)
        lines = np.arange(2, parsed.n_rows + 2, dtype=np.int32) if table is not None else None
        if table is None:
            data = _without_bom(path.read_bytes())
    if table is None:
        table, lines = _read_with_csv(path, data.decode("utf-8", errors="replace"), position,
                                      len(header))
    logger.info("read %d rating rows from %s", table.score.size, path)
    problems = _range_problems(table, lines, ranges) if ranges is not None else []
    problems += _design_problems(table)
    if problems:
        raise StatsInputError(problems)
    return table


def _without_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _columns(path: Path, header: list[str] | None) -> dict[str, int]:
    if header is None or not any(field.strip() for field in header):
        raise StatsInputError([f"{path.name}: the file is empty"])
    names = [field.strip() for field in header]
    problems = []
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        problems.append(f"line 1: repeated column(s): {', '.join(repeated)}")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    if problems:
        raise StatsInputError(problems)
    return {name: names.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in names}


def _table_from_arrays(parsed) -> RatingTable | None:
    """The table of a regularly parsed file; None sends the file to the ``csv`` path,
    whose messages locate the problem."""
    score = to_numbers(parsed.text["score"])
    if score is None:
        return None
    columns: dict = {"score": score[0], "na": score[2]}
    if "session_number" in parsed.text:
        numbers = to_numbers(parsed.text["session_number"])
        if numbers is None:
            return None
        columns["session_number"] = numbers[0]
    for name, (codes, labels) in parsed.ids.items():
        if name != "submitted_at":
            columns[name] = Coded(codes, labels)
            continue
        problems: list[str] = []
        days = to_days(np.array(labels, dtype=object), locator(None), problems)
        if problems:
            return None
        columns[name] = days[codes] if len(labels) else np.full(codes.size, np.nan)
    lines = np.arange(2, parsed.n_rows + 2, dtype=np.int32)  # only names lines in messages
    return RatingTable.from_columns(**columns, line_numbers=lines)


def _read_with_csv(path: Path, text: str, position: dict[str, int], n_fields: int
                   ) -> tuple[RatingTable, np.ndarray]:
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    columns: dict[str, list[str]] = {name: [] for name in position}
    lines: list[int] = []
    for row in reader:
        if not any(field.strip() for field in row):
            continue
        if len(row) != n_fields:
            problems.append(f"line {reader.line_num}: expected {n_fields} fields, found {len(row)}")
            continue
        for name, j in position.items():
            columns[name].append(row[j].strip())
        lines.append(reader.line_num)
    if not lines:
        raise StatsInputError(problems or [f"{path.name}: no ratings after the header line"])
    na = np.array([value in _NA_TEXT for value in columns["score"]])
    columns["score"] = ["" if value in _MISSING_TEXT or value in _NA_TEXT else value
                        for value in columns["score"]]
    line_numbers = np.array(lines)
    try:
        table = RatingTable.from_columns(**columns, na=na, line_numbers=line_numbers)
    except StatsInputError as err:
        raise StatsInputError(problems + err.problems) from None
    if problems:
        raise StatsInputError(problems)
    return table, line_numbers


def _range_problems(table: RatingTable, lines: np.ndarray, ranges: Ranges) -> list[str]:
    """Scores outside their item's range or not whole, and items the ranges do not know."""
    where = locator(lines)
    labels = [str(label) for label in table.item_labels]
    unknown = [label for label in labels if label not in ranges]
    problems = []
    if unknown:
        shown = ", ".join(unknown[:_MAX_LISTED]) + (" ..." if len(unknown) > _MAX_LISTED else "")
        problems.append(f"item(s) not in the instrument: {shown}")
    low = np.array([ranges.get(label, (-np.inf, np.inf))[0] for label in labels], dtype=float)
    high = np.array([ranges.get(label, (-np.inf, np.inf))[1] for label in labels], dtype=float)
    score = table.score
    scored = ~np.isnan(score)
    outside = scored & ((score < low[table.item]) | (score > high[table.item]))
    for code in np.unique(table.item[outside])[:_MAX_LISTED]:
        rows = outside & (table.item == code)
        problems.append(f"score outside {labels[code]}'s range {low[code]:g}–{high[code]:g} "
                        f"at {where(rows)}")
    fractional = scored & ~outside & (score != np.round(score))
    if fractional.any():
        problems.append(f"score is not a whole number at {where(fractional)}")
    return problems


def _design_problems(table: RatingTable) -> list[str]:
    """Files from which no agreement figure can come at all."""
    problems = []
    if table.rater_labels.size < 2:
        names = ", ".join(str(label) for label in table.rater_labels) or "none"
        problems.append(f"the file has a single rater ({names}): agreement needs at least two")
    scored = np.zeros(table.n_ratings, dtype=bool)
    scored[table.rating[~np.isnan(table.score)]] = True
    per_session = np.bincount(table.rating_session[scored], minlength=table.session_labels.size)
    if table.rater_labels.size >= 2 and not (per_session >= 2).any():
        problems.append("no session has two ratings with scores: agreement needs sessions rated "
                        "by at least two raters")
    return problems
