"""Every included item score of a study, read once into numpy columns.

:func:`read_scores` makes the one pass over a study's ratings and item scores
that both the export tables and the reliability statistics are fed from, so
both see the same ratings (submitted only by default; practice ratings never).
Scores are streamed from the cursor into compact typed arrays — 3 bytes per
item score held, not a Python tuple each — and then put in export order:
patient (natural order), session number, rater code, instrument, item.
Only the rare non-empty notes are kept as strings.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from rater.heap import map_large_blocks, trim
from rater.stats.coded import CodedScores, NaMarks
from rater.stats.rows import group_of_rows
from rater.storage import models as m
from rater.study.reports import ratings_sqlite, scores_sqlite
from rater.study.reports.id_index import IdIndex, IdParts, utf8
from rater.study.reports.score_buffer import ScoreBuffer, gathered, sort_order

log = logging.getLogger(__name__)

STREAM_ROWS = 20_000  # rows fetched from the cursor at a time
TRIM_EVERY = 10  # batches between returns of freed memory to the system
# Below this share of the database's ratings the study's scores are selected by a join;
# above it a plain scan of the item scores, filtered here, is 2-3x faster (SQLite, 1 M scores).
SCAN_SHARE = 0.5
FAST_SQLITE = True  # SQLite scans take the aggregate route (tests compare it with the rows)


@dataclass(frozen=True, eq=False)
class StudyScores:
    """Item scores as columns. Ratings are numbered in export order and each
    rating's scores are the slice ``starts[r]:starts[r + 1]`` (item order).

    Per rating: ``session`` (index into the session list given to
    :func:`read_scores`), ``rater`` (index into the rater list), ``version``
    (index into the instrument versions), ``team`` (index into ``team_ids``,
    -1 for none), ``status`` (index into ``status_names``): each code in the
    smallest integer type that holds them; ``submitted`` (seconds since 1970
    UTC, NaN while in progress). Per item score: ``item``
    (index into ``item_ids``; 16-bit unless a database holds more item ids),
    ``value`` (float32; NaN when unanswered or N/A) and ``na``: while every
    score is a small integer, both read one byte per score
    (:class:`~rater.stats.coded.CodedScores`), else they are arrays.
    :meth:`rating_of` gives the rating of a slice of item scores.
    ``notes`` maps an item score's position to its non-empty note.
    """

    session: np.ndarray
    rater: np.ndarray
    version: np.ndarray
    team: np.ndarray
    status: np.ndarray
    submitted: np.ndarray
    starts: np.ndarray
    item: np.ndarray
    value: np.ndarray | CodedScores
    na: np.ndarray | NaMarks
    notes: dict[int, str]
    item_ids: list[str]
    team_ids: list[str]
    status_names: list[str]
    # Per rater (index into the rater list) and status: the study assignments, rated or not, and the
    # statuses' names; read along on SQLite, None where the read did not see every assignment.
    workload: tuple[np.ndarray, list[str]] | None = None

    @property
    def n_ratings(self) -> int:
        return int(self.session.size)

    @property
    def n_scores(self) -> int:
        return int(self.item.size)

    def rating_of(self, lo: int, hi: int) -> np.ndarray:
        """The rating (int32) of each of item scores ``lo:hi``: made from ``starts`` a slice at a
        time, never held for every score."""
        return group_of_rows(self.starts, lo, hi)


def read_scores(s: Session, study_id: str, session_ids: list[str] | np.ndarray, rater_ids: list[str],
                version_ids: list[str], item_order: dict[str, dict[str, int]],
                include_in_progress: bool = False) -> StudyScores:
    """Read the study's included ratings and item scores in one streamed pass.

    ``session_ids`` (strings, or their UTF-8 bytes as a numpy array), ``rater_ids``
    and ``version_ids`` (instrument rows) give the export order; ``item_order`` maps a version id to its items' ranks.
    Ratings without any item score are left out, as are ratings of sessions,
    raters or instruments not in those lists.
    """
    # The read allocates a tuple per row; with the collector on, its passes over the
    # surviving objects cost as much as the fetch itself (1 M scores: 3.6 s -> 2.3 s CPU).
    map_large_blocks()  # the read's large temporaries go back to the system when freed
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(s, study_id, session_ids, rater_ids, version_ids, item_order, include_in_progress)
    finally:
        if collecting:
            gc.enable()
        trim()  # the sort's temporaries and the read's batches, all freed by now


def _read(s: Session, study_id: str, session_ids: list[str] | np.ndarray, rater_ids: list[str], version_ids: list[str],
          item_order: dict[str, dict[str, int]], include_in_progress: bool) -> StudyScores:
    team_index: dict[str, int] = {}
    status_index: dict[str, int] = {}

    # The study's rule, in two halves: which assignments, and which of their ratings.
    assignment_rule = (m.Assignment.study_id == study_id, m.Assignment.purpose == "study")
    rating_rule = () if include_in_progress else (m.Rating.submitted_at.is_not(None),)

    def included(query):
        return query.where(*assignment_rule, *rating_rule)

    conn = s.connection()
    rating_ids = IdParts()
    r_cols: dict[str, list[np.ndarray]] = {name: [] for name in ("session", "rater", "version", "team", "status")}
    r_submitted: list[np.ndarray] = []
    ratings = included(
        select(m.Rating.id, m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
               m.Assignment.team_id, m.Assignment.status, m.Rating.submitted_at)
        .join(m.Rating, m.Rating.assignment_id == m.Assignment.id))
    to_datetime = _result_processor(conn, m.Rating.submitted_at)
    known = (IdIndex([session_ids]) if isinstance(session_ids, np.ndarray) else IdIndex.of(session_ids),
             IdIndex.of(rater_ids), IdIndex.of(version_ids))
    # Streamed too: fetched at once, a large study's rating rows (three ids each) would be the
    # export's peak memory (about 600 bytes a rating, 85 MB for a million item scores).
    workload = None
    if conn.dialect.name == "sqlite" and FAST_SQLITE:
        study = ratings_sqlite.study_assignments(
            conn, select(m.Assignment.id, m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
                         m.Assignment.team_id, m.Assignment.status).where(*assignment_rule), known)
        workload = study.workload(len(rater_ids))  # every study assignment was read: count them here
        batches = ratings_sqlite.rating_batches(
            conn, study, select(m.Rating.id, m.Rating.assignment_id, m.Rating.submitted_at).where(*rating_rule),
            to_datetime)
        del study
    else:
        batches = (_rating_columns(batch, known, to_datetime) for batch in _batches(conn, ratings))
    for rids, session, rater, version, teams, statuses, submitted in batches:
        keep = (session >= 0) & (rater >= 0) & (version >= 0)
        if keep.any():
            rating_ids.add(rids[keep])
        r_cols["session"].append(session[keep])
        r_cols["rater"].append(rater[keep])
        r_cols["version"].append(version[keep])
        r_cols["team"].append(_label_codes(teams[keep], team_index, ratings_sqlite.NO_TEAM))
        r_cols["status"].append(_label_codes(statuses[keep], status_index))
        r_submitted.append(submitted[keep])
    # Joined before the item scores are read: the batches' small arrays are freed now, not
    # left to pin the heap under the read's, and held once, not twice while sorting.
    col = {name: _joined(r_cols.pop(name), np.int32) for name in list(r_cols)}
    col["submitted"] = _joined(r_submitted, np.float64)
    del r_submitted

    item_index: dict[str, int] = {}
    notes: dict[int, str] = {}
    n_kept = batches = 0
    scores = select(m.ItemScore.rating_id, m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na,
                    m.ItemScore.note)
    all_ratings = conn.execute(select(func.count()).select_from(m.Rating)).scalar_one()
    buffer = ScoreBuffer(conn.execute(select(func.count()).select_from(m.ItemScore)).scalar_one())
    rating_index = IdIndex(rating_ids)
    trim()  # the emptied batches' memory, before the item scores are read
    joined = rating_index.size < SCAN_SHARE * all_ratings
    if joined:
        # The study is a small part of the database: let the database pick its scores.
        scores = included(scores.join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                          .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id))
    # Otherwise a plain scan, filtered by the rating map below, is 2-3x faster than the join.
    # Each batch becomes numpy columns at once: no Python object per item score outlives its batch.
    for rating, batch_items, value, na, batch_notes in _score_batches(conn, scores, rating_index, joined):
        keep = rating >= 0
        every = bool(keep.all())
        kept_items = batch_items if every else list(compress(batch_items, keep.tolist()))
        items = _codes(item_index, kept_items)
        if (items < 0).any():  # ids not seen before, numbered in order of appearance
            for item_id in dict.fromkeys(compress(kept_items, (items < 0).tolist())):
                item_index.setdefault(item_id, len(item_index))
            items = _codes(item_index, kept_items)
        if not every:
            rating, value, na = rating[keep], value[keep], na[keep]
        value[na] = np.nan
        if batch_notes:
            kept_at = np.cumsum(keep) - 1
            notes.update((n_kept + int(kept_at[at]), note) for at, note in batch_notes if keep[at])
        buffer.add(rating, items, value, na)
        n_kept += len(kept_items)
        batches += 1
        if batches % TRIM_EVERY == 0:
            trim()  # the freed batches would otherwise pile up in the heap until the read ends
    del rating_index  # 5 MB of ids for a large study: not needed while sorting
    trim()
    return _ordered(col, buffer, notes, item_index, item_order, version_ids, list(team_index),
                    list(status_index), workload, len(session_ids), len(rater_ids))


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


def _rating_columns(batch: list[tuple], known: tuple[IdIndex, IdIndex, IdIndex],
                    to_datetime: Callable[[Any], Any] | None) -> tuple:
    """A batch of rating rows as :func:`ratings_sqlite.rating_batches` gives them."""
    sessions, raters, versions = known
    rids, sids, rater_ids, inst_ids, teams, statuses, submitted = zip(*batch, strict=True)
    return (utf8(rids), sessions.codes(sids), raters.codes(rater_ids), versions.codes(inst_ids),
            ratings_sqlite.team_bytes(teams), utf8(statuses),
            ratings_sqlite.submitted_seconds(submitted, to_datetime, len(rids)))


def _label_codes(labels: np.ndarray, index: dict[str, int], none: bytes | None = None) -> np.ndarray:
    """Each label's number in ``index`` (new labels numbered in order of first appearance), -1 for ``none``."""
    distinct, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    numbers = np.empty(distinct.size, dtype=np.int32)
    for k in np.argsort(first, kind="stable").tolist():
        label = bytes(distinct[k])
        numbers[k] = -1 if label == none else index.setdefault(label.decode("utf-8"), len(index))
    return numbers[inverse.ravel()]


def _score_batches(conn: Connection, statement: Select, rating_index: IdIndex,
                   joined: bool) -> Iterator[tuple[np.ndarray, list[str], np.ndarray, np.ndarray, list]]:
    """(rating number or -1, item ids, values with NaN for unanswered, N/A flags, [(row, note)]) a batch at a time.

    A scan of a SQLite database takes the aggregate route of :mod:`scores_sqlite`; a join, or
    another database, fetches rows.
    """
    if conn.dialect.name == "sqlite" and not joined and FAST_SQLITE:
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            for chunk in scores_sqlite.chunks(conn, cursor):
                if chunk.rows is None:
                    yield rating_index.codes_of_runs(chunk.ids), chunk.items, chunk.values, chunk.na, chunk.notes
                elif chunk.rows:
                    yield _row_columns(chunk.rows, rating_index)
        finally:
            cursor.close()
        return
    for batch in _batches(conn, statement):
        yield _row_columns(batch, rating_index)


def _row_columns(batch: list[tuple], rating_index: IdIndex) -> tuple[np.ndarray, list[str], np.ndarray,
                                                                      np.ndarray, list]:
    """A batch of (rating id, item id, value, is_na, note) rows as the columns of :func:`_score_batches`."""
    rids, item_ids, values, is_na, notes = zip(*batch, strict=True)
    return (rating_index.codes(rids), list(item_ids), np.array(values, dtype=np.float32),  # None becomes NaN
            np.array(is_na, dtype=bool), [(at, note) for at, note in enumerate(notes) if note])


def _result_processor(conn: Connection, column) -> Callable[[Any], Any] | None:
    """The conversion SQLAlchemy applies to ``column``'s driver values, on the raw SQLite path only."""
    if conn.dialect.name != "sqlite":
        return None  # the streamed SQLAlchemy result has converted them already
    return column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)


def _codes(index: dict[str, int], keys: Sequence[Any]) -> np.ndarray:
    """Each key's number in ``index``, -1 for keys not in it."""
    return np.fromiter(map(index.get, keys, repeat(-1)), np.int32, len(keys))


def _joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _narrow(codes: np.ndarray, n: int) -> np.ndarray:
    """Codes from -1 to ``n`` - 1 in the smallest signed integer type that holds them."""
    dtype = next(t for t in (np.int8, np.int16, np.int32, np.int64) if n <= np.iinfo(t).max)
    return codes.astype(dtype, copy=False)


def _ordered(col: dict[str, np.ndarray], buffer: ScoreBuffer, notes: dict[int, str], item_index: dict[str, int],
             item_order: dict[str, dict[str, int]], version_ids: list[str], team_ids: list[str], status_names: list[str],
             workload: tuple[np.ndarray, list[str]] | None, n_sessions: int, n_raters: int) -> StudyScores:
    """Sort ratings into export order and each rating's scores into item order; per-rating codes are
    held in the smallest integer type that holds them (a study has a few raters and versions)."""
    submitted = col.pop("submitted")

    # Ratings with no item score are not exported.
    counts = buffer.counts(col["session"].size)
    by_export = np.lexsort((col["version"], col["rater"], col["session"]))
    by_export = by_export[counts[by_export] > 0]
    new_number = np.full(col["session"].size, -1, dtype=np.int32)
    new_number[by_export] = np.arange(by_export.size, dtype=np.int32)
    starts = np.zeros(by_export.size + 1, dtype=np.int32 if buffer.size < 2**31 else np.int64)
    np.cumsum(counts[by_export], out=starts[1:])
    del counts

    # Rank of each (version, item id) pair; items unknown to the version go last.
    item_ids = list(item_index)
    rank = np.array([[item_order[v].get(i, len(item_order[v])) for i in item_ids] for v in version_ids],
                    dtype=np.int32).reshape(len(version_ids), len(item_ids))
    order = sort_order(buffer, new_number, col["version"], rank, by_export.size, len(item_ids) + 1)
    buffer.release("rating")
    moved = {}
    if notes:
        # Where each noted score went: a flag per score (one byte), not an inverse permutation (eight).
        noted = np.zeros(order.size, dtype=bool)
        noted[np.fromiter(notes, np.int64, len(notes))] = True
        new_at = np.flatnonzero(gathered(noted, order))
        moved = {p: notes[o] for p, o in zip(new_at.tolist(), order[new_at].tolist(), strict=True)}
    item = gathered(buffer.release("item"), order)
    if buffer.coded:
        value = CodedScores(gathered(buffer.release("code"), order))
        na = value.na
    else:
        value, na = (gathered(buffer.release(name), order) for name in ("value", "na"))
    del order
    sizes = {"session": n_sessions, "rater": n_raters, "version": len(version_ids), "team": len(team_ids),
             "status": len(status_names)}
    per_rating = {name: _narrow(col.pop(name)[by_export], n) for name, n in sizes.items()}
    return StudyScores(
        **per_rating, submitted=submitted[by_export], starts=starts, item=item, value=value, na=na, notes=moved,
        item_ids=item_ids, team_ids=team_ids, status_names=status_names, workload=workload)
