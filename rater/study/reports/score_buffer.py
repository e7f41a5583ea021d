"""The item-score columns a study's read fills, and the order they are put in.

The columns are allocated once, as large as the database's item-score table
(an upper bound), and filled a batch at a time: pages never written are never
made resident, so the unused part costs no memory, and no list of small batch
arrays is left behind for the allocator to hold on to (about 15 MB for a
million scores when they were joined at the end).
"""

from __future__ import annotations

import numpy as np

from rater.stats.coded import CodedScores, small_codes

_SLICE = 1 << 16  # scores handled at a time where a whole-column temporary would be needed


class ScoreBuffer:
    """Rating number, item number and score per item score, in read order.

    Scores are held as one-byte codes (:mod:`rater.stats.coded`) while every one is
    a small integer, as item scores are; the first that is not turns the column
    into float32 values beside N/A flags.
    """

    def __init__(self, capacity: int):
        self.size = 0
        self._rating = np.empty(capacity, dtype=np.int32)
        self._item = np.empty(capacity, dtype=np.uint16)  # widened if a database holds more item ids
        self._code: np.ndarray | None = np.empty(capacity, dtype=np.int8)
        self._value: np.ndarray | None = None
        self._na: np.ndarray | None = None

    @property
    def coded(self) -> bool:
        """Whether the scores are held as codes (else as values and N/A flags)."""
        return self._code is not None

    def add(self, rating: np.ndarray, item: np.ndarray, value: np.ndarray, na: np.ndarray) -> None:
        end = self.size + rating.size
        if end > self._rating.size:  # more rows than the table held when counted: grow
            for name in ("_rating", "_item", "_code", "_value", "_na"):
                old = getattr(self, name)
                if old is not None:
                    grown = np.empty(max(end, 2 * old.size), dtype=old.dtype)
                    grown[:self.size] = old[:self.size]
                    setattr(self, name, grown)
        if item.size and int(item.max()) > np.iinfo(self._item.dtype).max:
            self._item = self._item.astype(np.int32)
        self._rating[self.size:end] = rating
        self._item[self.size:end] = item
        codes = small_codes(value, na) if self._code is not None else None
        if codes is not None:
            self._code[self.size:end] = codes
        else:
            if self._code is not None:
                self._widen()
            self._value[self.size:end] = value
            self._na[self.size:end] = na
        self.size = end

    def _widen(self) -> None:
        """Values and N/A flags from the codes, for scores that are not all small integers."""
        held = CodedScores(self._code[:self.size])
        self._value = np.empty(self._code.size, dtype=np.float32)
        self._na = np.empty(self._code.size, dtype=bool)
        self._value[:self.size] = held
        self._na[:self.size] = held.na
        self._code = None

    @property
    def rating(self) -> np.ndarray:
        return self._rating[:self.size]

    @property
    def item(self) -> np.ndarray:
        return self._item[:self.size]

    def release(self, name: str) -> np.ndarray:
        """Column ``name`` ("rating", "item", and "code" or "value" and "na"), which the buffer
        then no longer holds: once the caller is done with it, its memory is free."""
        column = getattr(self, f"_{name}")[:self.size]
        setattr(self, f"_{name}", None)
        return column

    def counts(self, n_ratings: int) -> np.ndarray:
        """Item scores per rating, counted a slice at a time (no 64-bit copy of the column)."""
        counts = np.zeros(n_ratings, dtype=np.int64)
        for start in range(0, self.size, _SLICE):
            counts += np.bincount(self._rating[start:min(start + _SLICE, self.size)], minlength=n_ratings)
        return counts


RUNS_PER_GROUP = 4_096  # ratings sorted together when each rating's scores lie in one run


def sort_order(buffer: ScoreBuffer, new_number: np.ndarray, version: np.ndarray, rank: np.ndarray,
               n_ratings: int, width: int) -> np.ndarray:
    """The permutation (32-bit where it fits) putting the scores in (rating in export order, item rank) order.

    ``new_number`` is each read rating's export number (``n_ratings`` of them have
    scores), ``version`` its instrument version and ``rank[version, item]`` the item's
    place (``width`` bounds the ranks). Ties keep the read order. A rating's scores are usually read together, one run
    each: then the runs are put in export order and only a group of ratings at a
    time is sorted by item, so no array of a million sort keys is made.
    """
    rating = buffer.rating
    n = rating.size
    heads = np.flatnonzero(np.concatenate(([True], rating[1:] != rating[:-1]))) if n else np.zeros(0, np.int64)
    if heads.size != n_ratings:  # more runs than ratings with scores: some rating's scores lie apart
        return _sorted_by_key(buffer, new_number, version, rank, n_ratings, width)
    lengths = np.diff(np.append(heads, n))
    runs = np.argsort(new_number[rating[heads]], kind="stable")
    order = np.empty(n, dtype=np.int32 if n < 2**31 else np.int64)
    at = 0
    for first in range(0, runs.size, RUNS_PER_GROUP):
        group = runs[first:first + RUNS_PER_GROUP]
        size = lengths[group]
        total = int(size.sum())
        # Each score of the group's runs, run after run: its run's start plus its offset in the run.
        source = np.repeat(heads[group] - (np.cumsum(size) - size), size) + np.arange(total)
        key = np.repeat(np.arange(group.size) * width, size)
        if rank.size:
            key += rank[version[rating[source]], buffer.item[source]]
        order[at:at + total] = source[np.argsort(key, kind="stable")]
        at += total
    return order


def _sorted_by_key(buffer: ScoreBuffer, new_number: np.ndarray, version: np.ndarray, rank: np.ndarray,
                   n_ratings: int, width: int) -> np.ndarray:
    """:func:`sort_order` by one sort of a (rating, rank) key per score, made a slice at a time."""
    rating, item = buffer.rating, buffer.item
    dtype = np.int32 if (n_ratings + 1) * width < 2**31 else np.int64
    key = np.empty(rating.size, dtype=dtype)
    for start in range(0, rating.size, _SLICE):
        r = rating[start:start + _SLICE]
        part = new_number[r].astype(dtype) * width
        if rank.size:
            part += rank[version[r], item[start:start + _SLICE]]
        key[start:start + _SLICE] = part
    order = np.argsort(key, kind="stable")
    del key
    return order.astype(np.int32) if order.size < 2**31 else order


def gathered(column: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``column[order]``, a slice at a time."""
    out = np.empty(order.size, dtype=column.dtype)
    for start in range(0, order.size, _SLICE):
        out[start:start + _SLICE] = column[order[start:start + _SLICE]]
    return out
