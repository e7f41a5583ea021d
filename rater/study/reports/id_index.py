"""Ids numbered in a given order, looked up a numpy array at a time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class IdIndex:
    """Ids numbered in the order given, held as one sorted numpy string array.

    A dict of the fetched id strings would keep each one where the driver
    allocated it, amid the rows of its batch, and Python's allocator cannot give
    a block back while one object in it lives: a million item scores' read then
    kept 60 MB of freed rows. The numpy copy lives in one block of its own, as
    UTF-8 bytes (36 bytes an id, not numpy's 4 a character).
    """

    def __init__(self, parts: list[np.ndarray]):
        """Index the ids of ``parts`` (arrays of UTF-8 bytes), numbered in order; the list is emptied."""
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype="S1")
        parts.clear()  # the batches' copies, freed before the sort
        self.size = int(ids.size)
        self._numbers = np.argsort(ids, kind="stable").astype(np.int32)
        ids.sort()  # in place: the same order as taking ids[numbers], without a second copy
        self._sorted = ids

    @classmethod
    def of(cls, keys: Sequence[str]) -> IdIndex:
        """The index of ``keys``, numbered in their order."""
        return cls([utf8(keys)] if len(keys) else [])

    def codes(self, keys: Sequence[str]) -> np.ndarray:
        """Each key's number, -1 for keys not among the ids."""
        return self.codes_of_bytes(utf8(keys))

    def codes_of_bytes(self, wanted: np.ndarray) -> np.ndarray:
        """Each id's number, the ids given as their UTF-8 bytes (a numpy bytes array)."""
        if not self.size:
            return np.full(wanted.size, -1, dtype=np.int32)
        at = np.minimum(np.searchsorted(self._sorted, wanted), self.size - 1)
        return np.where(self._sorted[at] == wanted, self._numbers[at], -1).astype(np.int32)

    def codes_of_runs(self, wanted: np.ndarray) -> np.ndarray:
        """As :meth:`codes_of_bytes`, looking each run of equal ids up once (a rating's scores lie together)."""
        if not wanted.size:
            return np.zeros(0, dtype=np.int32)
        heads = np.flatnonzero(np.concatenate(([True], wanted[1:] != wanted[:-1])))
        return np.repeat(self.codes_of_bytes(wanted[heads]), np.diff(np.append(heads, wanted.size)))


def utf8(keys: Sequence[str]) -> np.ndarray:
    """Strings as a numpy array of their UTF-8 bytes."""
    text = np.array(keys, dtype=str)
    try:
        return text.astype("S")  # ASCII, as ids are: numpy's fast path
    except UnicodeEncodeError:
        return np.char.encode(text, "utf-8")
