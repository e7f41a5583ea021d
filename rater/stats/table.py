"""Long-format ratings held as integer-coded numpy columns.

Every analysis works on integer codes rather than on the ids themselves, so a
study of a million item scores is grouped with ``np.bincount`` and fancy
indexing instead of Python loops. Codes of sessions and raters follow the
ascending (natural) order of their ids; item and scale codes follow the order
in which they first appear, which is normally the instrument's order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np

from rater.stats.encoding import (
    Coded,
    Locator,
    dense_codes,
    encode_ids,
    first_appearance,
    float_column,
    locator,
    to_days,
)
from rater.stats.rows import DirectCodes, RowCodes

logger = logging.getLogger(__name__)

_MAX_LISTED = 20


class StatsInputError(ValueError):
    """Rating data that cannot be analysed; ``problems`` lists every issue found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RatingRow(NamedTuple):
    """One item score of one rater for one session; ``score=None`` is missing."""

    session_id: Any
    rater_id: Any
    item: Any
    score: float | None
    patient_id: Any = None
    session_number: int | None = None
    scale: str | None = None
    submitted_at: datetime | str | None = None


_OPTIONAL = ("patient_id", "session_number", "scale", "submitted_at")


@dataclass(frozen=True, eq=False)
class RatingTable:
    """Encoded ratings. Build it with :meth:`from_columns` or :meth:`from_rows`.

    Per row: ``score`` (NaN = missing; float64, or float32 as the study
    reader holds it), and in ``codes`` its ``item`` and ``rating`` codes,
    where a rating is one rater's rating of one session (read them in blocks
    with ``codes.blocks()``; the ``item`` and ``rating`` properties give whole
    arrays). Ratings are numbered in (session, rater) order, which the design
    code relies on. Per rating:
    ``rating_session``, ``rating_rater`` and ``rating_days`` (submission time
    in days, NaN if unknown). Per session: ``session_number`` (NaN if unknown).
    Per item: ``item_scale`` (code, -1 if none). ``patient_id`` is only checked
    (one patient per session): sessions are identified by ``session_id``.
    """

    score: np.ndarray
    codes: RowCodes
    rating_session: np.ndarray
    rating_rater: np.ndarray
    session_labels: np.ndarray
    rater_labels: np.ndarray
    item_labels: np.ndarray
    rating_days: np.ndarray | None = None
    session_number: np.ndarray | None = None
    item_scale: np.ndarray | None = None
    scale_labels: np.ndarray | None = None
    na: np.ndarray | None = None  # per row: the rater marked the item N/A (score is NaN there)

    @property
    def n_ratings(self) -> int:
        """Number of (session, rater) ratings."""
        return int(self.rating_session.size)

    @property
    def item(self) -> np.ndarray:
        """Every row's item code."""
        return self.codes.item()

    @property
    def rating(self) -> np.ndarray:
        """Every row's rating code."""
        return self.codes.rating()

    @classmethod
    def from_columns(
        cls,
        session_id: Any,
        rater_id: Any,
        item: Any,
        score: Any,
        patient_id: Any = None,
        session_number: Any = None,
        scale: Any = None,
        submitted_at: Any = None,
        *,
        na: Any = None,
        line_numbers: np.ndarray | None = None,
    ) -> RatingTable:
        """Encode equally long columns (array-likes) into a table.

        Id columns (``session_id``, ``rater_id``, ``item``, ``patient_id``,
        ``scale``) may be given as :class:`Coded`. Integer ids and coded
        columns take a fast path; string ids are sorted naturally ("R2" before
        "R10"). ``submitted_at`` may hold datetimes, ISO strings,
        ``datetime64`` values or plain numbers taken as days. ``na`` (bool per
        row) marks items the rater rated N/A, kept apart from missing ones;
        their score must be missing. ``line_numbers``
        (one per row) only changes how problems are located in messages.
        Raises :class:`StatsInputError` listing every problem found.
        """
        where = locator(line_numbers)
        given = {"session_id": session_id, "rater_id": rater_id, "item": item, "score": score,
                 "patient_id": patient_id, "session_number": session_number, "scale": scale,
                 "submitted_at": submitted_at}
        lengths = {name: len(col.codes if isinstance(col, Coded) else col)
                   for name, col in given.items() if col is not None}
        if len(set(lengths.values())) > 1:
            raise StatsInputError([f"columns differ in length: {lengths}"])
        if lengths["score"] == 0:
            raise StatsInputError(["there are no ratings"])

        problems: list[str] = []
        codes, labels = {}, {}
        complete = np.ones(lengths["score"], dtype=bool)
        for name in ("session_id", "rater_id", "item"):
            codes[name], labels[name], missing = encode_ids(given[name], natural=name != "item")
            if missing.any():
                problems.append(f"{name} is empty at {where(missing)}")
                # A stand-in id lets the remaining checks run on the other rows.
                codes[name] = np.where(missing, labels[name].size, codes[name])
                labels[name] = np.append(labels[name], np.array([""], dtype=object))
                complete &= ~missing
        values = float_column(score, "score", where, problems)

        item_codes, item_labels = first_appearance(codes["item"], labels["item"])
        sessions, n_raters = codes["session_id"], labels["rater_id"].size
        rating, pairs = dense_codes(sessions * n_raters + codes["rater_id"])
        rating_session, rating_rater = pairs // n_raters, pairs % n_raters
        _check_duplicates(rating, item_codes, complete, item_labels,
                          (labels["session_id"][rating_session], labels["rater_id"][rating_rater]),
                          where, problems)

        n_sessions = labels["session_id"].size
        numbers = item_scale = scale_labels = rating_days = None
        if session_number is not None:
            numbers = _session_numbers(session_number, sessions, complete, labels["session_id"],
                                       where, problems)
        if patient_id is not None:
            _per_group(encode_ids(patient_id)[0], sessions, complete, ("session", "patient_id"),
                       labels["session_id"], where, problems)
        if scale is not None:
            scodes, scale_labels, _ = encode_ids(scale, natural=False)
            scodes, scale_labels = first_appearance(scodes, scale_labels)
            item_scale = _per_group(scodes, item_codes, complete, ("item", "scale"),
                                    item_labels, where, problems)
        if submitted_at is not None:
            days = to_days(submitted_at, where, problems)
            latest = np.full(pairs.size, -np.inf)
            np.maximum.at(latest, rating, np.where(np.isnan(days), -np.inf, days))
            rating_days = np.where(np.isneginf(latest), np.nan, latest)
        na_flags = None
        if na is not None:
            na_flags = np.asarray(na, dtype=bool)
            if na_flags.shape != values.shape:
                problems.append(f"na has {na_flags.size} values for {values.size} rows")
            elif (na_flags & ~np.isnan(values)).any():
                problems.append(f"a score marked N/A has a value at {where(na_flags & ~np.isnan(values))}")
        if problems:
            raise StatsInputError(problems)
        logger.debug("encoded %d rows: %d sessions, %d raters, %d items, %d ratings",
                     values.size, n_sessions, n_raters, item_labels.size, pairs.size)
        return cls(
            score=values, codes=DirectCodes(rating, item_codes), rating_session=rating_session,
            rating_rater=rating_rater, session_labels=labels["session_id"],
            rater_labels=labels["rater_id"], item_labels=item_labels, rating_days=rating_days,
            session_number=numbers, item_scale=item_scale, scale_labels=scale_labels, na=na_flags,
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> RatingTable:
        """Build a table from rows: :class:`RatingRow` or plain tuples in its field
        order, mappings keyed by its field names, or objects (e.g. dataclasses)
        with those attributes. An optional field that is None in every row is
        treated as absent."""
        columns: dict[str, list[Any]] = {name: [] for name in RatingRow._fields}
        for row in rows:
            if isinstance(row, tuple):
                row = RatingRow(*row)
            if isinstance(row, Mapping):
                for name, column in columns.items():
                    column.append(row.get(name))
            else:
                for name, column in columns.items():
                    column.append(getattr(row, name, None))
        optional = {name: columns[name] if any(v is not None for v in columns[name]) else None
                    for name in _OPTIONAL}
        return cls.from_columns(columns["session_id"], columns["rater_id"], columns["item"],
                                np.array(columns["score"], dtype=object), **optional)


def as_table(data: RatingTable | Mapping[str, Any] | Iterable[Any]) -> RatingTable:
    """Accept a table, a mapping of columns (array-likes or :class:`Coded`) or an
    iterable of rows (see :meth:`RatingTable.from_rows`)."""
    if isinstance(data, RatingTable):
        return data
    if isinstance(data, Mapping):
        problems = []
        unknown = sorted(set(data) - set(RatingRow._fields))
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        missing = [name for name in RatingRow._fields[:4] if name not in data]
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if problems:
            raise StatsInputError(problems)
        return RatingTable.from_columns(**data)
    return RatingTable.from_rows(data)


def _check_duplicates(rating: np.ndarray, item: np.ndarray, complete: np.ndarray,
                      item_labels: np.ndarray, rating_ids: tuple[np.ndarray, np.ndarray],
                      where: Locator, problems: list[str]) -> None:
    # Built in place and checked before any per-row mask: on 630,000 rows each
    # temporary here is 5 MB, and most files have no duplicates at all.
    key = rating * item_labels.size
    key += item
    counts = np.bincount(key if complete.all() else key[complete], minlength=key.max() + 1)
    if counts.max(initial=0) <= 1:
        return
    repeated = (counts[key] > 1) & complete
    rows = np.flatnonzero(repeated)
    rows = rows[np.argsort(key[rows], kind="stable")]
    groups = np.split(rows, np.flatnonzero(np.diff(key[rows])) + 1)
    sessions, raters = rating_ids
    for group in groups[:_MAX_LISTED]:
        r = rating[group[0]]
        problems.append(f"duplicate score for session {sessions[r]}, rater {raters[r]}, "
                        f"item {item_labels[item[group[0]]]} at {where(group)}")
    if len(groups) > _MAX_LISTED:
        problems.append(f"... and {len(groups) - _MAX_LISTED} more duplicated scores")


def _session_numbers(values: Any, sessions: np.ndarray, complete: np.ndarray,
                     session_labels: np.ndarray, where: Locator,
                     problems: list[str]) -> np.ndarray:
    numbers = float_column(values, "session_number", where, problems)
    fractional = ~np.isnan(numbers) & (numbers != np.round(numbers))
    if fractional.any():
        problems.append(f"session_number is not a whole number at {where(fractional)}")
    per_session = np.full(session_labels.size, np.nan)
    np.fmax.at(per_session, sessions, numbers)
    conflict = complete & ~np.isnan(numbers) & (numbers != per_session[sessions])
    _report_conflicts(conflict, sessions, ("session", "session_number"), session_labels, where,
                      problems)
    return per_session


def _per_group(codes: np.ndarray, groups: np.ndarray, complete: np.ndarray,
               names: tuple[str, str], group_labels: np.ndarray, where: Locator,
               problems: list[str]) -> np.ndarray:
    """The code each group carries (-1 if none); a group carrying two is a problem."""
    per_group = np.full(group_labels.size, -1, dtype=np.int64)
    np.maximum.at(per_group, groups, codes)
    conflict = complete & (codes >= 0) & (codes != per_group[groups])
    _report_conflicts(conflict, groups, names, group_labels, where, problems)
    return per_group


def _report_conflicts(conflict: np.ndarray, groups: np.ndarray, names: tuple[str, str],
                      group_labels: np.ndarray, where: Locator, problems: list[str]) -> None:
    if not conflict.any():
        return
    group_name, column = names
    bad_groups = np.unique(groups[conflict])
    for g in bad_groups[:_MAX_LISTED]:
        problems.append(f"{group_name} {group_labels[g]} has more than one {column} "
                        f"(see {where(conflict & (groups == g))})")
    if bad_groups.size > _MAX_LISTED:
        problems.append(f"... and {bad_groups.size - _MAX_LISTED} more {group_name}s with "
                        f"more than one {column}")
