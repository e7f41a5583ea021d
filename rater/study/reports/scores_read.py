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

import logging
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rater.storage import models as m

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)
STREAM_ROWS = 20_000  # rows fetched from the cursor at a time
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

    def submitted_at(self, r: int) -> datetime | None:
        """Rating ``r``'s submission time as the naive UTC datetime stored."""
        seconds = float(self.submitted[r])
        if seconds != seconds:  # NaN
            return None
        return _EPOCH + timedelta(microseconds=round(seconds * 1e6))


def read_scores(s: Session, study_id: str, session_ids: list[str], rater_ids: list[str],
                version_ids: list[str], item_order: dict[str, dict[str, int]],
                include_in_progress: bool = False) -> StudyScores:
    """Read the study's included ratings and item scores in one streamed pass.

    ``session_ids``, ``rater_ids`` and ``version_ids`` (instrument rows) give
    the export order; ``item_order`` maps a version id to its items' ranks.
    Ratings without any item score are left out, as are ratings of sessions,
    raters or instruments not in those lists.
    """
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
    rating_index: dict[str, int] = {}
    r_cols = {name: array("i") for name in ("session", "rater", "version", "team", "status")}
    r_submitted = array("d")
    for rid, sid, rater_id, inst_id, team_id, status, submitted in conn.execute(included(
            select(m.Rating.id, m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
                   m.Assignment.team_id, m.Assignment.status, m.Rating.submitted_at)
            .join(m.Rating, m.Rating.assignment_id == m.Assignment.id))):
        if sid not in session_index or rater_id not in rater_index or inst_id not in version_index:
            continue
        rating_index[rid] = len(rating_index)
        r_cols["session"].append(session_index[sid])
        r_cols["rater"].append(rater_index[rater_id])
        r_cols["version"].append(version_index[inst_id])
        r_cols["team"].append(-1 if team_id is None else team_index.setdefault(team_id, len(team_index)))
        r_cols["status"].append(status_index.setdefault(status, len(status_index)))
        r_submitted.append(np.nan if submitted is None
                           else (submitted.replace(tzinfo=None) - _EPOCH).total_seconds())

    item_index: dict[str, int] = {}
    s_rating, s_item, s_value, s_na = array("i"), array("i"), array("f"), array("b")
    notes: dict[int, str] = {}
    # Core execution with yield_per streams rows from the cursor in chunks; the
    # ORM path would buffer every row first.
    scores = select(m.ItemScore.rating_id, m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na,
                    m.ItemScore.note)
    all_ratings = conn.execute(select(func.count()).select_from(m.Rating)).scalar_one()
    if len(rating_index) < SCAN_SHARE * all_ratings:
        # The study is a small part of the database: let the database pick its scores.
        scores = included(scores.join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                          .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id))
    # Otherwise a plain scan, filtered by the rating map below, is 2-3x faster than the join.
    rows = conn.execution_options(yield_per=STREAM_ROWS).execute(scores)
    for rid, item_id, value, is_na, note in rows:
        r = rating_index.get(rid)
        if r is None:
            continue
        if note:
            notes[len(s_rating)] = note
        s_rating.append(r)
        s_item.append(item_index.setdefault(item_id, len(item_index)))
        s_value.append(np.nan if value is None or is_na else value)
        s_na.append(bool(is_na))
    del rating_index  # tens of MB of id strings for a large study: not needed while sorting
    return _ordered(r_cols, r_submitted, s_rating, s_item, s_value, s_na, notes, item_index, item_order,
                    version_ids, list(team_index), list(status_index))


def _ordered(r_cols: dict[str, array], r_submitted: array, s_rating: array, s_item: array, s_value: array,
             s_na: array, notes: dict[int, str], item_index: dict[str, int],
             item_order: dict[str, dict[str, int]], version_ids: list[str], team_ids: list[str],
             status_names: list[str]) -> StudyScores:
    """Sort ratings into export order and each rating's scores into item order."""
    col = {name: np.frombuffer(a, dtype=np.int32) if len(a) else np.zeros(0, np.int32)
           for name, a in r_cols.items()}
    rating = np.frombuffer(s_rating, dtype=np.int32) if len(s_rating) else np.zeros(0, np.int32)
    item = np.frombuffer(s_item, dtype=np.int32) if len(s_item) else np.zeros(0, np.int32)
    submitted = np.frombuffer(r_submitted, dtype=np.float64) if len(r_submitted) else np.zeros(0)

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
    value = np.frombuffer(s_value, dtype=np.float32)[order] if len(s_value) else np.zeros(0, np.float32)
    na = np.frombuffer(s_na, dtype=np.int8)[order].astype(bool) if len(s_na) else np.zeros(0, bool)
    return StudyScores(
        session=col["session"][by_export], rater=col["rater"][by_export], version=col["version"][by_export],
        team=col["team"][by_export], status=col["status"][by_export], submitted=submitted[by_export],
        starts=starts, item=item[order], value=value, na=na, rating_of=rating_of, notes=moved,
        item_ids=item_ids, team_ids=team_ids, status_names=status_names)
