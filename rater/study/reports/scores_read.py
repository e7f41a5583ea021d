"""Every included item score of a study, read once into numpy columns.

:func:`read_scores` makes the one pass over a study's ratings and item scores
that both the export tables and the reliability statistics are fed from, so
both see the same ratings (submitted only by default; practice ratings never).
Scores are streamed from the cursor into compact typed arrays — 13 bytes per
item score held, not a Python tuple each — and then put in export order:
patient (natural order), session number, rater code, instrument, item.
Only the rare non-empty notes are kept as strings.
"""

from __future__ import annotations

import ctypes
import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from rater.storage import models as m

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)
STREAM_ROWS = 20_000  # rows fetched from the cursor at a time
TRIM_EVERY = 10  # batches between returns of freed memory to the system
# Below this share of the database's ratings the study's scores are selected by a join;
# above it a plain scan of the item scores, filtered here, is 2-3x faster (SQLite, 1 M scores).
SCAN_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class StudyScores:
    """Item scores as columns. Ratings are numbered in export order and each
    rating's scores are the slice ``starts[r]:starts[r + 1]`` (item order).

    Per rating: ``session`` (index into the session list given to
    :func:`read_scores`), ``rater`` (index into the rater list), ``version``
    (index into the instrument versions), ``team`` (index into ``team_ids``,
    -1 for none), ``status`` (index into ``status_names``), ``submitted``
    (seconds since 1970 UTC, NaN while in progress). Per item score: ``item``
    (index into ``item_ids``), ``value`` (float32, exact for item scores;
    NaN when unanswered or N/A), ``na``, and ``rating_of`` (the rating it
    belongs to, the inverse of ``starts``). ``notes`` maps an item score's position to its non-empty note.
    """

    session: np.ndarray
    rater: np.ndarray
    version: np.ndarray
    team: np.ndarray
    status: np.ndarray
    submitted: np.ndarray
    starts: np.ndarray
    item: np.ndarray
    value: np.ndarray
    na: np.ndarray
    rating_of: np.ndarray
    notes: dict[int, str]
    item_ids: list[str]
    team_ids: list[str]
    status_names: list[str]

    @property
    def n_ratings(self) -> int:
        return int(self.session.size)

    @property
    def n_scores(self) -> int:
        return int(self.item.size)


def read_scores(s: Session, study_id: str, session_ids: list[str], rater_ids: list[str],
                version_ids: list[str], item_order: dict[str, dict[str, int]],
                include_in_progress: bool = False) -> StudyScores:
    """Read the study's included ratings and item scores in one streamed pass.

    ``session_ids``, ``rater_ids`` and ``version_ids`` (instrument rows) give
    the export order; ``item_order`` maps a version id to its items' ranks.
    Ratings without any item score are left out, as are ratings of sessions,
    raters or instruments not in those lists.
    """
    # The read allocates a tuple per row; with the collector on, its passes over the
    # surviving objects cost as much as the fetch itself (1 M scores: 3.6 s -> 2.3 s CPU).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(s, study_id, session_ids, rater_ids, version_ids, item_order, include_in_progress)
    finally:
        if collecting:
            gc.enable()


def _read(s: Session, study_id: str, session_ids: list[str], rater_ids: list[str], version_ids: list[str],
          item_order: dict[str, dict[str, int]], include_in_progress: bool) -> StudyScores:
    session_index = {sid: i for i, sid in enumerate(session_ids)}
    rater_index = {rid: i for i, rid in enumerate(rater_ids)}
    version_index = {vid: i for i, vid in enumerate(version_ids)}
    team_index: dict[str, int] = {}
    status_index: dict[str, int] = {}

    def included(query):
        query = query.where(m.Assignment.study_id == study_id, m.Assignment.purpose == "study")
        if not include_in_progress:
            query = query.where(m.Rating.submitted_at.is_not(None))
        return query

    conn = s.connection()
    rating_ids: list[np.ndarray] = []
    r_cols: dict[str, list[np.ndarray]] = {name: [] for name in ("session", "rater", "version", "team", "status")}
    r_submitted: list[np.ndarray] = []
    ratings = included(
        select(m.Rating.id, m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
               m.Assignment.team_id, m.Assignment.status, m.Rating.submitted_at)
        .join(m.Rating, m.Rating.assignment_id == m.Assignment.id))
    to_datetime = _result_processor(conn, m.Rating.submitted_at)
    # Streamed too: fetched at once, a large study's rating rows (three ids each) would be the
    # export's peak memory (about 600 bytes a rating, 85 MB for a million item scores).
    for batch in _batches(conn, ratings):
        rids, sids, rater_ids, inst_ids, team_ids, statuses, submitted = zip(*batch, strict=True)
        session = _codes(session_index, sids)
        rater = _codes(rater_index, rater_ids)
        version = _codes(version_index, inst_ids)
        keep = (session >= 0) & (rater >= 0) & (version >= 0)
        kept = keep.tolist()
        if keep.any():
            rating_ids.append(_utf8(list(compress(rids, kept))))
        r_cols["session"].append(session[keep])
        r_cols["rater"].append(rater[keep])
        r_cols["version"].append(version[keep])
        r_cols["team"].append(np.fromiter(
            (-1 if t is None else team_index.setdefault(t, len(team_index)) for t in compress(team_ids, kept)),
            np.int32))
        r_cols["status"].append(np.fromiter(
            (status_index.setdefault(x, len(status_index)) for x in compress(statuses, kept)), np.int32))
        if to_datetime is not None:
            submitted = map(to_datetime, submitted)
        r_submitted.append(np.fromiter(
            (np.nan if x is None else (x.replace(tzinfo=None) - _EPOCH).total_seconds()
             for x in compress(submitted, kept)), np.float64))

    item_index: dict[str, int] = {}
    s_rating: list[np.ndarray] = []
    s_item: list[np.ndarray] = []
    s_value: list[np.ndarray] = []
    s_na: list[np.ndarray] = []
    notes: dict[int, str] = {}
    n_kept = batches = 0
    scores = select(m.ItemScore.rating_id, m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na,
                    m.ItemScore.note)
    all_ratings = conn.execute(select(func.count()).select_from(m.Rating)).scalar_one()
    rating_index = _IdIndex(rating_ids)
    del rating_ids[:]
    if rating_index.size < SCAN_SHARE * all_ratings:
        # The study is a small part of the database: let the database pick its scores.
        scores = included(scores.join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                          .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id))
    # Otherwise a plain scan, filtered by the rating map below, is 2-3x faster than the join.
    # Each batch becomes numpy columns at once (ids looked up with map, values converted by numpy):
    # no Python object per item score outlives its batch.
    for batch in _batches(conn, scores):
        rids, item_ids, values, is_na, batch_notes = zip(*batch, strict=True)
        rating = rating_index.codes(rids)
        keep = rating >= 0
        kept = keep.tolist()
        kept_items = list(compress(item_ids, kept))
        for item_id in dict.fromkeys(kept_items):
            item_index.setdefault(item_id, len(item_index))
        na = np.array(is_na, dtype=bool)[keep]
        value = np.array(values, dtype=np.float32)[keep]  # None (unanswered) becomes NaN
        value[na] = np.nan
        for at, note in enumerate(compress(batch_notes, kept)):
            if note:
                notes[n_kept + at] = note
        s_rating.append(rating[keep])
        s_item.append(_codes(item_index, kept_items))
        s_value.append(value)
        s_na.append(na)
        n_kept += len(kept_items)
        batches += 1
        if batches % TRIM_EVERY == 0:
            _trim()  # the freed batches would otherwise pile up in the heap until the read ends
    del rating_index  # 5 MB of ids for a large study: not needed while sorting
    _trim()
    ordered = _ordered(r_cols, r_submitted, s_rating, s_item, s_value, s_na, notes, item_index, item_order,
                       version_ids, list(team_index), list(status_index))
    _trim()  # the sort's temporaries (1 M scores: 40 MB)
    return ordered


def _batches(conn: Connection, statement: Select) -> Iterator[list[tuple]]:
    """The statement's rows, ``STREAM_ROWS`` at a time, as plain tuples of driver values.

    On SQLite the driver's own cursor is read directly: SQLAlchemy's row objects and
    per-value processing cost more than SQLite's fetch of a million small rows. Other
    databases go through SQLAlchemy's streamed result (a server-side cursor), whose
    rows are tuples too.
    """
    if conn.dialect.name == "sqlite":
        compiled = statement.compile(dialect=conn.dialect)
        params = [compiled.params[name] for name in compiled.positiontup]
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(compiled.string, params)
            while batch := cursor.fetchmany(STREAM_ROWS):
                yield batch
        finally:
            cursor.close()
        return
    result = conn.execution_options(yield_per=STREAM_ROWS).execute(statement)
    yield from result.partitions()


def _result_processor(conn: Connection, column) -> Callable[[Any], Any] | None:
    """The conversion SQLAlchemy applies to ``column``'s driver values, on the raw SQLite path only."""
    if conn.dialect.name != "sqlite":
        return None  # the streamed SQLAlchemy result has converted them already
    return column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)


def _codes(index: dict[str, int], keys: Sequence[Any]) -> np.ndarray:
    """Each key's number in ``index``, -1 for keys not in it."""
    return np.fromiter(map(index.get, keys, repeat(-1)), np.int32, len(keys))


class _IdIndex:
    """Ids numbered in the order given, held as one sorted numpy string array.

    A dict of the fetched id strings would keep each one where the driver
    allocated it, amid the rows of its batch, and Python's allocator cannot give
    a block back while one object in it lives: a million item scores' read then
    kept 60 MB of freed rows. The numpy copy lives in one block of its own, as
    UTF-8 bytes (36 bytes an id, not numpy's 4 a character).
    """

    def __init__(self, parts: list[np.ndarray]):
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype="S1")
        self.size = int(ids.size)
        self._numbers = np.argsort(ids, kind="stable").astype(np.int32)
        self._sorted = ids[self._numbers]

    def codes(self, keys: Sequence[str]) -> np.ndarray:
        """Each key's number, -1 for keys not among the ids."""
        if not self.size:
            return np.full(len(keys), -1, dtype=np.int32)
        wanted = _utf8(keys)
        at = np.minimum(np.searchsorted(self._sorted, wanted), self.size - 1)
        return np.where(self._sorted[at] == wanted, self._numbers[at], -1).astype(np.int32)


def _utf8(keys: Sequence[str]) -> np.ndarray:
    """Strings as a numpy array of their UTF-8 bytes."""
    text = np.array(keys, dtype=str)
    try:
        return text.astype("S")  # ASCII, as ids are: numpy's fast path
    except UnicodeEncodeError:
        return np.char.encode(text, "utf-8")


def _joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _trim() -> None:
    """Give the reading's freed memory (row tuples, id strings) back to the system.

    glibc keeps freed small blocks in its heap, so without this the export's peak
    would include everything the read ever held. Elsewhere it is a no-op.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _ordered(r_cols: dict[str, list[np.ndarray]], r_submitted: list[np.ndarray], s_rating: list[np.ndarray],
             s_item: list[np.ndarray], s_value: list[np.ndarray], s_na: list[np.ndarray], notes: dict[int, str],
             item_index: dict[str, int], item_order: dict[str, dict[str, int]], version_ids: list[str],
             team_ids: list[str], status_names: list[str]) -> StudyScores:
    """Sort ratings into export order and each rating's scores into item order."""
    col = {name: _joined(parts, np.int32) for name, parts in r_cols.items()}
    rating = _joined(s_rating, np.int32)
    item = _joined(s_item, np.int32)
    submitted = _joined(r_submitted, np.float64)
    all_values = _joined(s_value, np.float32)
    all_na = _joined(s_na, bool)
    del s_rating[:], s_item[:], s_value[:], s_na[:]  # the batches, now copied into one array each

    # Ratings with no item score are not exported.
    has_scores = np.bincount(rating, minlength=col["session"].size) > 0
    by_export = np.lexsort((col["version"], col["rater"], col["session"]))
    by_export = by_export[has_scores[by_export]]
    new_number = np.full(col["session"].size, -1, dtype=np.int32)
    new_number[by_export] = np.arange(by_export.size, dtype=np.int32)

    # Rank of each (version, item id) pair; items unknown to the version go last.
    item_ids = list(item_index)
    rank = np.array([[item_order[v].get(i, len(item_order[v])) for i in item_ids] for v in version_ids],
                    dtype=np.int64).reshape(len(version_ids), len(item_ids))
    # One int64 sort key (rating, item rank) keeps the sort's temporaries to two arrays.
    key = new_number[rating].astype(np.int64) * (len(item_ids) + 1)
    if item.size:
        key += rank[col["version"][rating], item]
    order = np.argsort(key, kind="stable")
    del key
    rating_of = new_number[rating[order]]
    starts = np.searchsorted(rating_of, np.arange(by_export.size + 1))
    moved = {}
    if notes:
        position = np.empty(order.size, dtype=np.int64)
        position[order] = np.arange(order.size)
        moved = {int(position[old]): note for old, note in notes.items()}
    value = all_values[order]
    na = all_na[order]
    return StudyScores(
        session=col["session"][by_export], rater=col["rater"][by_export], version=col["version"][by_export],
        team=col["team"][by_export], status=col["status"][by_export], submitted=submitted[by_export],
        starts=starts, item=item[order], value=value, na=na, rating_of=rating_of, notes=moved,
        item_ids=item_ids, team_ids=team_ids, status_names=status_names)
