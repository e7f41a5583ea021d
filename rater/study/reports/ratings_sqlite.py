"""A study's ratings from SQLite: its assignments and its ratings each scanned, joined by numpy.

Joined in SQL, every rating costs a b-tree search of its assignment by a
36-character id: more than reading both tables outright. Here each table is
read in rowid ranges as a few joined strings per range (as the item scores
are, :mod:`scores_sqlite`), and a rating finds its assignment through an
:class:`~rater.study.reports.id_index.IdIndex` of the study's assignments.
The study's rules pick the rows: the assignment statement carries those on
assignments, the rating statement those on ratings. A range that does not
parse is read as rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Select, func
from sqlalchemy.engine import Connection

from rater.study.reports.id_index import IdIndex, IdParts, utf8
from rater.study.reports.scores_sqlite import Ranges, constant, fixed_width

log = logging.getLogger(__name__)

CHUNK_ROWIDS = 2_000  # assignments or ratings per aggregate query (about 3 MB of strings at once)
NO_TEAM = b" " * 36  # stands for an assignment without a team
_STATUS_WIDTH = 16  # assignment.status is VARCHAR(16)
_TIME_WIDTH = 26  # 'YYYY-MM-DD HH:MM:SS.ffffff', as SQLAlchemy stores a DateTime on SQLite
_EPOCH = datetime(1970, 1, 1)


def team_bytes(team_ids) -> np.ndarray:
    """Team ids (None for none) as bytes, :data:`NO_TEAM` standing for none."""
    return utf8([NO_TEAM.decode() if t is None else t for t in team_ids])


def submitted_seconds(values, to_datetime: Callable[[Any], Any] | None, n: int) -> np.ndarray:
    """Submission times (driver values) as seconds since 1970 UTC, NaN for none."""
    if to_datetime is not None:
        values = map(to_datetime, values)
    return np.fromiter((np.nan if x is None else (x.replace(tzinfo=None) - _EPOCH).total_seconds()
                        for x in values), np.float64, n)


class _Labels:
    """Short labels (team ids, statuses) numbered as they come, kept as bytes once each."""

    def __init__(self):
        self.number: dict[bytes, int] = {}

    def codes(self, labels: np.ndarray) -> np.ndarray:
        distinct, inverse = np.unique(labels, return_inverse=True)
        numbers = np.array([self.number.setdefault(bytes(x), len(self.number)) for x in distinct], dtype=np.int32)
        return numbers[inverse.ravel()]

    def array(self) -> np.ndarray:
        return np.array(list(self.number), dtype=bytes) if self.number else np.zeros(0, dtype="S1")


@dataclass(frozen=True)
class StudyAssignments:
    """The study's assignments: an index of their ids; per assignment its session, rater and
    version numbers (-1: not among those given), and its team and status as label numbers."""

    index: IdIndex
    session: np.ndarray
    rater: np.ndarray
    version: np.ndarray
    team: np.ndarray
    status: np.ndarray
    team_labels: np.ndarray
    status_labels: np.ndarray

    def workload(self, n_raters: int) -> tuple[np.ndarray, list[str]]:
        """Assignments per (rater number, status), every one of the study's, rated or not; and
        the statuses' names."""
        names = [bytes(x).decode("utf-8") for x in self.status_labels]
        known = self.rater >= 0
        counts = np.bincount(self.rater[known].astype(np.int64) * len(names) + self.status[known],
                             minlength=n_raters * len(names))
        return counts.reshape(n_raters, len(names)), names


def study_assignments(conn: Connection, statement: Select,
                      known: tuple[IdIndex, IdIndex, IdIndex]) -> StudyAssignments:
    """Read the rows of ``statement`` (id, session, rater, instrument, team, status) of ``assignment``;
    ``known`` numbers the sessions, raters and instrument versions."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        return _assignments(conn, cursor, statement, known)
    finally:
        cursor.close()


def _assignments(conn: Connection, cursor, statement: Select, known: tuple[IdIndex, IdIndex, IdIndex]) -> StudyAssignments:
    def aggregates(c: list) -> list:
        comma = constant(",")
        return [*(func.group_concat(col, comma) for col in c[:4]),
                func.group_concat(func.coalesce(c[4], constant(NO_TEAM.decode())), comma),
                # Padded to a fixed width (a longer status fails the width check), so that no
                # status becomes a Python string of its own.
                func.group_concat(func.printf(constant(f"%-{_STATUS_WIDTH}s"), c[5]), comma)]

    teams, statuses = _Labels(), _Labels()
    ids_of = IdParts()  # 16 bytes an assignment while all ids are UUIDs
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("session", "rater", "version", "team", "status")}
    assignments = Ranges(conn, statement, "assignment", CHUNK_ROWIDS, aggregates)
    for low, high, n, texts in assignments.run(cursor):
        columns = [fixed_width(text, n) for text in texts[:5]]
        status = fixed_width(texts[5], n, _STATUS_WIDTH)
        if any(x is None for x in columns) or status is None:
            log.debug("assignments read as rows")
            ids, sids, rids, iids, tids, states = zip(*assignments.rows(cursor, low, high), strict=True)
            columns = [utf8(ids), utf8(sids), utf8(rids), utf8(iids), team_bytes(tids)]
            status = utf8(states)
        else:
            status = np.char.rstrip(status, b" ")
        ids, session, rater, instrument, team = columns
        ids_of.add(ids)
        for name, index, column in zip(("session", "rater", "version"), known, (session, rater, instrument),
                                       strict=True):
            parts[name].append(index.codes_of_bytes(column))
        parts["team"].append(teams.codes(team))
        parts["status"].append(statuses.codes(status))
    joined = {k: np.concatenate(v) if v else np.zeros(0, np.int32) for k, v in parts.items()}
    return StudyAssignments(IdIndex(ids_of), joined["session"], joined["rater"], joined["version"],
                        joined["team"], joined["status"], teams.array(), statuses.array())


def rating_batches(conn: Connection, study: StudyAssignments, ratings: Select,
                   to_datetime: Callable[[Any], Any] | None) -> Iterator[tuple]:
    """The study's ratings a range at a time, as ``scores_read`` takes them: (rating ids as bytes,
    session, rater and version numbers or -1, team ids as bytes (:data:`NO_TEAM` for none),
    statuses as bytes, submission seconds or NaN).

    ``ratings`` selects (id, assignment id, submitted_at) of the ratings the study includes;
    those of assignments not in ``study`` are given with -1 numbers.
    """
    if not study.index.size:
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        def aggregates(c: list) -> list:
            comma = constant(",")
            return [func.group_concat(c[0], comma), func.group_concat(c[1], comma),
                    # A stored time is always 26 characters: one of another length fails the check.
                    func.group_concat(func.coalesce(c[2], constant(" " * _TIME_WIDTH)), comma)]

        study_ratings = Ranges(conn, ratings, "rating", CHUNK_ROWIDS, aggregates)
        for low, high, n, texts in study_ratings.run(cursor):
            parsed = _parsed_ratings(n, texts)
            if parsed is None:
                log.debug("ratings read as rows")
                rids, aids, submitted = zip(*study_ratings.rows(cursor, low, high), strict=True)
                parsed = utf8(rids), utf8(aids), submitted_seconds(submitted, to_datetime, len(rids))
            rids, aids, seconds = parsed
            at = study.index.codes_of_bytes(aids)  # -1: an assignment of another study
            found = at >= 0
            at = np.where(found, at, 0)
            yield (rids, *(np.where(found, column[at], -1) for column in (study.session, study.rater, study.version)),
                   study.team_labels[study.team[at]], study.status_labels[study.status[at]], seconds)
    finally:
        cursor.close()


def _parsed_ratings(n: int, texts: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    rids, aids = fixed_width(texts[0], n), fixed_width(texts[1], n)
    submitted = fixed_width(texts[2], n, _TIME_WIDTH)
    if rids is None or aids is None or submitted is None:
        return None
    blank = submitted == b" " * _TIME_WIDTH  # in progress
    seconds = np.full(n, np.nan)
    try:
        times = submitted[~blank].astype("datetime64[us]")
    except ValueError:  # stored in another form: the row route converts it as SQLAlchemy does
        return None
    seconds[~blank] = times.astype(np.int64).astype(np.float64) / 1e6
    return rids, aids, seconds
