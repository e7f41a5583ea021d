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
from sqlalchemy import Select, bindparam, func, literal_column, select
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

CHUNK_ROWIDS = 20_000  # rowids per aggregate query
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


def rowid_ranges(cursor, table: str) -> Iterator[tuple[int, int]]:
    """Half-open rowid ranges covering ``table``, about ``CHUNK_ROWIDS`` rows each."""
    low, high, count = cursor.execute(f"SELECT min(rowid), max(rowid), count(*) FROM {table}").fetchone()
    if not count:
        return
    if high - low < 2 * count + CHUNK_ROWIDS:
        for start in range(low, high + 1, CHUNK_ROWIDS):
            yield start, min(start + CHUNK_ROWIDS, high + 1)
        return
    # Sparse rowids (rows deleted in bulk, or set by hand): step by rows, not by rowid.
    start = low
    while start is not None:
        row = cursor.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1 OFFSET ?",
                             (start, CHUNK_ROWIDS)).fetchone()
        end = row[0] if row else high + 1
        yield start, end
        start = row[0] if row else None


def chunks(cursor) -> Iterator[Chunk]:
    """Every item score of the database (all studies), a chunk at a time."""
    for low, high in rowid_ranges(cursor, "item_score"):
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


def fixed_width(text: str | None, n: int) -> np.ndarray | None:
    """``n`` comma-separated 36-byte ids as a numpy bytes array, or None unless every one is exactly that."""
    if text is None:
        return None
    raw = np.frombuffer((text + ",").encode("utf-8"), dtype=np.uint8)
    if raw.size != n * (_ID_WIDTH + 1):
        return None
    cells = raw.reshape(n, _ID_WIDTH + 1)
    comma = ord(",")
    # Every id ends in the separator and none holds one: each is exactly 36 bytes.
    if not (cells[:, _ID_WIDTH] == comma).all() or (cells[:, :_ID_WIDTH] == comma).any():
        return None
    return np.ascontiguousarray(cells[:, :_ID_WIDTH]).view(f"S{_ID_WIDTH}").ravel()


@dataclass(frozen=True)
class RatingChunk:
    """One range of a study's rating rows: ids as 36-byte strings (``team`` all spaces
    for none), statuses, submission times as seconds since 1970 (NaN while in
    progress); or, when the range could not be parsed, its ``rows``."""

    ids: np.ndarray | None = None
    session: np.ndarray | None = None
    rater: np.ndarray | None = None
    instrument: np.ndarray | None = None
    team: np.ndarray | None = None
    status: list[str] | None = None
    submitted: np.ndarray | None = None
    rows: list[tuple] | None = None


NO_TEAM = b" " * _ID_WIDTH


def rating_chunks(conn: Connection, ratings: Select) -> Iterator[RatingChunk]:
    """The rows of ``ratings`` (rating id, session, rater, instrument, team, status, submitted_at),
    a range of rating rowids at a time, each range's columns joined by SQLite."""
    rowid = literal_column("rating.rowid")
    ranged = ratings.where(rowid >= bindparam("low"), rowid < bindparam("high"))
    inner = ranged.subquery()
    c = list(inner.c)
    aggregate = select(
        func.count(), *(func.group_concat(col, ",") for col in c[:4]),
        func.group_concat(func.coalesce(c[4], NO_TEAM.decode()), ","), func.group_concat(c[5], _ITEM_SEP),
        func.group_concat(func.coalesce(c[6], ""), _ITEM_SEP))
    agg_sql, agg_names = _compiled(conn, aggregate)
    rows_sql, rows_names = _compiled(conn, ranged.order_by(rowid))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        for low, high in rowid_ranges(cursor, "rating"):
            bounds = {"low": low, "high": high}
            n, *texts = cursor.execute(agg_sql, [bounds.get(k, v) for k, v in agg_names]).fetchone()
            if not n:
                continue
            chunk = _parsed_ratings(n, texts)
            if chunk is None:
                log.debug("ratings %d-%d read as rows", low, high)
                rows = cursor.execute(rows_sql, [bounds.get(k, v) for k, v in rows_names]).fetchall()
                chunk = RatingChunk(rows=rows)
            yield chunk
    finally:
        cursor.close()


def _compiled(conn: Connection, statement: Select) -> tuple[str, list[tuple[str, object]]]:
    """The statement's SQL and its (parameter name, value) pairs in order."""
    compiled = statement.compile(dialect=conn.dialect)
    return compiled.string, [(name, compiled.params[name]) for name in compiled.positiontup]


def _parsed_ratings(n: int, texts: list[str | None]) -> RatingChunk | None:
    ids = [fixed_width(text, n) for text in texts[:5]]
    if any(x is None for x in ids):
        return None
    status, submitted = (text.split(_ITEM_SEP) if text is not None else [] for text in texts[5:])
    if len(status) != n or len(submitted) != n:
        return None
    try:
        # The stored form 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, naive); blank while in progress.
        times = np.array(submitted, dtype="datetime64[us]")
    except ValueError:
        return None
    micros = times.astype(np.int64).astype(np.float64)
    seconds = np.where(np.isnat(times), np.nan, micros / 1e6)
    return RatingChunk(*ids, status=status, submitted=seconds)
