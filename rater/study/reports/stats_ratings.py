"""The statistics' ratings made from the study reader's: :func:`stats_ratings`.

The reader numbers one rating per rater, session and instrument, in export
order; the statistics rate a session once per rater, all instruments
together, with sessions and raters in the natural order of their labels
("P2#1" before "P10#1"). Everything here is per rating, with int32 codes
and without sorting where the export order already is the order wanted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rater.sort_keys import natural_key
from rater.stats.encoding import encode_coded, runs
from rater.study.reports.scores_read import StudyScores

log = logging.getLogger(__name__)


class SessionColumns(NamedTuple):
    """Sessions as columns: each patient's code once (``codes``), and per session its patient
    (index into ``codes``) and number. Labels are made from them as one numpy text array, not
    a Python string per session."""

    codes: list[str]
    patient: np.ndarray
    number: np.ndarray

    @classmethod
    def of(cls, sessions: Sequence[tuple[str, int]]) -> SessionColumns:
        """From (patient code, number) pairs."""
        codes = list(dict.fromkeys(p for p, _n in sessions))
        index = {code: i for i, code in enumerate(codes)}
        return cls(codes, np.array([index[p] for p, _n in sessions], dtype=np.int32),
                   np.array([n for _p, n in sessions], dtype=np.int64))

    def labels(self, which: np.ndarray) -> np.ndarray:
        """The "patient#number" labels of sessions ``which`` (a numpy str array)."""
        codes = np.array(self.codes, dtype=str) if self.codes else np.zeros(0, dtype="U1")
        return np.char.add(np.char.add(codes[self.patient[which]], "#"), self.number[which].astype(str))


@dataclass(frozen=True)
class StatsRatings:
    """The statistics' ratings (one rater's rating of one session, all instruments), in
    (session, rater) order: ``of_rating`` numbers each reader's rating, and per stats
    rating ``session`` and ``rater`` are codes into the naturally sorted labels."""

    of_rating: np.ndarray
    session: np.ndarray
    rater: np.ndarray
    session_labels: np.ndarray
    rater_labels: np.ndarray
    session_number: np.ndarray


def stats_ratings(scores: StudyScores, sessions: SessionColumns, rater_codes: list[str]) -> StatsRatings:
    """Group the reader's ratings into the statistics' ratings, per rating only (int32 codes)."""
    used, session_of_rating = _dense(scores.session, sessions.number.size)
    session_labels = sessions.labels(used)
    session_rank = _natural_order(sessions, used, session_labels)
    used_raters, rater_of_rating = _dense(scores.rater, len(rater_codes))
    rater_labels = [rater_codes[i] for i in used_raters.tolist()]
    rater_rank, rater_labels_sorted, _ = encode_coded(np.arange(len(rater_labels)), rater_labels)
    n_raters = len(rater_labels)
    pair_of_rating = session_rank[session_of_rating] * n_raters + rater_rank[rater_of_rating]
    del session_of_rating, rater_of_rating
    pairs, of_rating = runs(pair_of_rating)
    del pair_of_rating
    session_number = np.empty(used.size)
    session_number[session_rank] = sessions.number[used]
    labels = np.empty_like(session_labels)
    labels[session_rank] = session_labels
    return StatsRatings(of_rating, (pairs // n_raters).astype(np.int32), (pairs % n_raters).astype(np.int32),
                        labels, rater_labels_sorted, session_number)


def has_repeats(keys: np.ndarray) -> bool:
    """Whether a key occurs twice; without a sort when the keys come in order, as they usually do."""
    if bool(np.all(keys[1:] >= keys[:-1])):
        return bool(np.any(keys[1:] == keys[:-1]))
    return np.unique(keys).size < keys.size


def _dense(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The codes (0..n-1) that occur, and each entry's rank among them (int32), without a sort."""
    present = np.zeros(n, dtype=bool)
    present[codes] = True
    rank = (np.cumsum(present) - 1).astype(np.int32)
    return np.flatnonzero(present), rank[codes]


def _natural_order(sessions: SessionColumns, which: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each of sessions ``which``'s rank in the natural order of its "patient#number" label
    (``labels``).

    The order ``encode_coded`` gives these labels, without splitting each of
    tens of thousands of labels: the number after "#" is a whole run of digits,
    so a label's natural key is that of "patient#" (one per patient) followed by
    the number's. Equal keys ("P01#1", "P1#1") are ordered by their text.
    """
    keys = [natural_key(f"{p}#") for p in sessions.codes]
    key_rank = {key: i for i, key in enumerate(sorted(set(keys)))}
    patient_rank = np.array([key_rank[key] for key in keys], dtype=np.int64)
    order = np.lexsort((labels, sessions.number[which], patient_rank[sessions.patient[which]]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank
