"""Item scores from SQLite in a few strings per 20,000 rows.

Fetched as rows, a million item scores cost a Python tuple, two id strings
and two numbers each: about a microsecond and a half of object making per
score, more than SQLite needs to read them. Here SQLite joins each column of
a range of rows into one string (``group_concat``, in C) and numpy splits it:
the rating ids (fixed-width UUIDs) straight into a byte array, the values by
``numpy.fromstring``, the N/A flags as bytes. Only the item ids become Python
strings, and only for the length of one chunk.

Every chunk is checked before it is trusted: as many ids, items, values and
flags as rows, every rating id exactly 36 characters, flags only 0 or 1. A
chunk that fails a check (an id of another shape, a value that is not a
number) is read as rows instead, so the result never depends on the route.
The few scores with a note are fetched by a second query and placed by their
(rating, item) pair, which the schema keeps unique.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Select
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# Rowids per aggregate query. A chunk's joined strings and their parsing hold about 1 KB
# per item-score row at once; this keeps a chunk near 5 MB, and more queries cost no
# measurable time (1 M item scores: 200 queries).
CHUNK_ROWIDS = 5_000
_ID_WIDTH = 36  # str(uuid4())
_ITEM_SEP = "\x1f"  # ASCII unit separator: not in any item id the schema check allows

_AGGREGATE = (
    "SELECT count(*), group_concat(rating_id, ','), group_concat(item_id, char(31)), "
    "group_concat(coalesce(value, 'nan'), ','), group_concat(is_na, ''), sum(note <> '') "
    "FROM item_score WHERE rowid >= ? AND rowid < ?")
_ROWS = ("SELECT rating_id, item_id, value, is_na, note FROM item_score "
         "WHERE rowid >= ? AND rowid < ? ORDER BY rowid")
_NOTES = ("SELECT rating_id, item_id, note FROM item_score "
          "WHERE rowid >= ? AND rowid < ? AND note <> ''")


@dataclass(frozen=True)
class Chunk:
    """One range of item-score rows, as arrays (``ids``: rating ids as 36-byte strings),
    or, when the range could not be parsed, its ``rows`` as the driver gives them."""

    ids: np.ndarray | None = None
    items: list[str] | None = None
    values: np.ndarray | None = None
    na: np.ndarray | None = None
    notes: list[tuple[int, str]] | None = None  # (row in the chunk, note)
    rows: list[tuple] | None = None


def rowid_ranges(cursor, table: str, step: int) -> Iterator[tuple[int, int]]:
    """Half-open rowid ranges covering ``table``, about ``step`` rows each."""
    # Asked apart, min and max are each one b-tree descent; together SQLite scans the table.
    low = cursor.execute(f"SELECT min(rowid) FROM {table}").fetchone()[0]
    high = cursor.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    count = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if not count:
        return
    if high - low < 2 * count + step:
        for start in range(low, high + 1, step):
            yield start, min(start + step, high + 1)
        return
    # Sparse rowids (rows deleted in bulk, or set by hand): step by rows, not by rowid.
    start = low
    while start is not None:
        row = cursor.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1 OFFSET ?",
                             (start, step)).fetchone()
        end = row[0] if row else high + 1
        yield start, end
        start = row[0] if row else None


def chunks(cursor) -> Iterator[Chunk]:
    """Every item score of the database (all studies), a chunk at a time."""
    for low, high in rowid_ranges(cursor, "item_score", CHUNK_ROWIDS):
        n, ids, items, values, na, n_notes = cursor.execute(_AGGREGATE, (low, high)).fetchone()
        if not n:
            continue
        chunk = _parsed(n, ids, items, values, na)
        if chunk is None:
            log.debug("item scores %d-%d read as rows", low, high)
            yield Chunk(rows=cursor.execute(_ROWS, (low, high)).fetchall())
            continue
        if n_notes:
            chunk = _with_notes(chunk, cursor.execute(_NOTES, (low, high)).fetchall())
        yield chunk


def _parsed(n: int, ids: str, items: str, values: str, na: str) -> Chunk | None:
    """The chunk's columns as arrays, or None when any column does not split into ``n`` clean cells."""
    rating_ids = fixed_width(ids, n)
    if rating_ids is None:
        return None
    item_ids = items.split(_ITEM_SEP)
    flags = np.frombuffer(na.encode("utf-8"), dtype=np.uint8)
    if len(item_ids) != n or flags.size != n or not np.isin(flags, (ord("0"), ord("1"))).all():
        return None
    try:
        numbers = np.fromstring(values, dtype=np.float32, sep=",")
    except ValueError:  # a value that is not a number: the row route reports it as before
        return None
    if numbers.size != n:
        return None
    return Chunk(ids=rating_ids, items=item_ids, values=numbers, na=flags == ord("1"), notes=[])


def _with_notes(chunk: Chunk, noted: list[tuple[str, str, str]]) -> Chunk:
    """The chunk with its notes placed at their rows, found by (rating id, item id)."""
    position = {pair: i for i, pair in enumerate(zip(chunk.ids.tolist(), chunk.items, strict=True))}
    notes = sorted((position[(rating_id.encode("utf-8"), item_id)], note) for rating_id, item_id, note in noted)
    return Chunk(chunk.ids, chunk.items, chunk.values, chunk.na, notes)


def fixed_width(text: str | None, n: int, width: int = _ID_WIDTH) -> np.ndarray | None:
    """``n`` comma-separated cells of ``width`` bytes as a numpy bytes array, or None unless every
    one is exactly that wide."""
    if text is None:
        return None
    raw = np.frombuffer((text + ",").encode("utf-8"), dtype=np.uint8)
    if raw.size != n * (width + 1):
        return None
    cells = raw.reshape(n, width + 1)
    comma = ord(",")
    # Every cell ends in the separator and none holds one: each is exactly ``width`` bytes.
    if not (cells[:, width] == comma).all() or (cells[:, :width] == comma).any():
        return None
    return np.ascontiguousarray(cells[:, :width]).view(f"S{width}").ravel()


def compiled(conn: Connection, statement: Select) -> tuple[str, list[tuple[str, object]]]:
    """The statement's SQL and its (parameter name, value) pairs in order."""
    compiled = statement.compile(dialect=conn.dialect)
    return compiled.string, [(name, compiled.params[name]) for name in compiled.positiontup]
