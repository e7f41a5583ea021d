"""Item scores from SQLite in a few strings per 5,000 rows; the range reader the ratings use too.

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
(rating, item) pair, which the schema keeps unique. :class:`Ranges` runs any
one-table statement this way; :mod:`ratings_sqlite` reads the study's
assignments and ratings with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Select, bindparam, func, literal_column, select
from sqlalchemy.engine import Connection

from rater.storage import models as m

log = logging.getLogger(__name__)

# Rowids per aggregate query. A chunk's joined strings and their parsing hold about 1 KB
# per item-score row at once; this keeps a chunk near 5 MB, and more queries cost no
# measurable time (1 M item scores: 200 queries).
CHUNK_ROWIDS = 5_000
_ID_WIDTH = 36  # str(uuid4())
_ITEM_SEP = "\x1f"  # ASCII unit separator: not in any item id the schema check allows

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


class Ranges:
    """A statement on one table, run a rowid range at a time: as one row of joined columns
    (``aggregates`` of the statement's columns, after the count), or as the range's rows."""

    def __init__(self, conn: Connection, statement: Select, table: str, step: int,
                 aggregates: Callable[[list], list] | None = None):
        rowid = literal_column(f"{table}.rowid")
        ranged = statement.where(rowid >= bindparam("low"), rowid < bindparam("high"))
        self.table, self.step = table, step
        self.aggregate = (compiled(conn, select(func.count(), *aggregates(list(ranged.subquery().c))))
                          if aggregates is not None else None)
        self._rows = compiled(conn, ranged.order_by(rowid))

    def run(self, cursor) -> Iterator[tuple[int, int, int, list[str | None]]]:
        """(low, high, rows in the range, the joined columns) per non-empty range."""
        sql, names = self.aggregate
        for low, high in rowid_ranges(cursor, self.table, self.step):
            n, *texts = cursor.execute(sql, _bound(names, low, high)).fetchone()
            if n:
                yield low, high, n, texts

    def rows(self, cursor, low: int, high: int) -> list[tuple]:
        """The statement's rows in the rowid range, in rowid order."""
        sql, names = self._rows
        return cursor.execute(sql, _bound(names, low, high)).fetchall()


def constant(text: str):
    """``text`` written into the SQL as a string literal. As a bound parameter, a separator or
    a filler is read again for every row (0.1 s for a million item scores)."""
    return literal_column("'" + text.replace("'", "''") + "'")


def _bound(names: list[tuple[str, object]], low: int, high: int) -> list[object]:
    bounds = {"low": low, "high": high}
    return [bounds.get(name, value) for name, value in names]


def chunks(conn: Connection, cursor) -> Iterator[Chunk]:
    """Every item score of the database (all studies), a chunk at a time."""
    c = m.ItemScore
    comma, sep, nan, empty = (constant(x) for x in (",", _ITEM_SEP, "nan", ""))
    scores = Ranges(conn, select(c.rating_id, c.item_id, c.value, c.is_na, c.note), "item_score", CHUNK_ROWIDS,
                    lambda col: [func.group_concat(col[0], comma), func.group_concat(col[1], sep),
                                 func.group_concat(func.coalesce(col[2], nan), comma),
                                 func.group_concat(col[3], empty), func.sum(col[4] != empty)])
    noted = Ranges(conn, select(c.rating_id, c.item_id, c.note).where(c.note != ""), "item_score", CHUNK_ROWIDS)
    for low, high, n, (ids, items, values, na, n_notes) in scores.run(cursor):
        chunk = _parsed(n, ids, items, values, na)
        if chunk is None:
            log.debug("item scores %d-%d read as rows", low, high)
            yield Chunk(rows=scores.rows(cursor, low, high))
            continue
        if n_notes:
            chunk = _with_notes(chunk, noted.rows(cursor, low, high))
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
