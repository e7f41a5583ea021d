"""Ids numbered in a given order, looked up a numpy array at a time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SLICE = 1 << 16
# A UUID as str(uuid4()) writes it: 32 lowercase hex digits, dashes after the 8th, 12th, 16th and 20th.
_UUID_WIDTH = 36
_DASHES = [8, 13, 18, 23]
_DIGITS = [i for i in range(_UUID_WIDTH) if i not in _DASHES]
_HEX = np.full(256, 255, dtype=np.uint8)
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX[_HEX_DIGITS] = np.arange(16, dtype=np.uint8)


class IdParts:
    """Ids gathered a batch at a time for an :class:`IdIndex`.

    While every id is a UUID as the app writes it, each is kept as its two 64-bit
    numbers (16 bytes, not 36); the first id of another shape turns the parts
    gathered so far back into their (identical) bytes, and bytes are kept from then on.
    """

    def __init__(self) -> None:
        self._numbers: list[tuple[np.ndarray, np.ndarray]] | None = []
        self._bytes: list[np.ndarray] = []

    def add(self, ids: np.ndarray) -> None:
        """Add a batch of ids (a numpy array of their UTF-8 bytes)."""
        if self._numbers is not None:
            high, low, valid = uuid_numbers(ids)
            if valid.all():
                self._numbers.append((high, low))
                return
            self._bytes = [uuid_bytes(h, lo) for h, lo in self._numbers]
            self._numbers = None
        self._bytes.append(ids)

    def numbers(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Every id's (high, low) numbers in order, or None if some id is no UUID; the parts are emptied."""
        if self._numbers is None:
            return None
        parts, self._numbers = self._numbers, []
        if not parts:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        high = np.concatenate([h for h, _lo in parts])
        low = np.concatenate([lo for _h, lo in parts])
        return high, low

    def ids(self) -> np.ndarray:
        """Every id as bytes, in order; the parts are emptied."""
        numbers = self.numbers()
        if numbers is not None:
            return uuid_bytes(*numbers)
        parts, self._bytes = self._bytes, []
        return np.concatenate(parts) if parts else np.zeros(0, dtype="S1")


class IdIndex:
    """Ids numbered in the order given, held as sorted numpy arrays.

    A dict of the fetched id strings would keep each one where the driver
    allocated it, amid the rows of its batch, and Python's allocator cannot give
    a block back while one object in it lives: a million item scores' read then
    kept 60 MB of freed rows. Ids that are all UUIDs as the app writes them are
    held as two 64-bit numbers each (16 bytes, searched as numbers: 20x faster
    than 36-byte strings); any other id keeps the whole index as UTF-8 bytes.
    """

    def __init__(self, parts: list[np.ndarray] | IdParts):
        """Index the ids of ``parts`` (arrays of UTF-8 bytes, or :class:`IdParts`), numbered in
        order; the parts are emptied."""
        if not isinstance(parts, IdParts):
            batches, parts = parts, IdParts()
            for batch in batches:
                parts.add(batch)
            batches.clear()  # the batches' copies, freed before the sort
        numbers = parts.numbers()
        if numbers is not None and np.unique(numbers[0]).size == numbers[0].size:
            high, low = numbers
            self.size = int(high.size)
            self._numbers = np.argsort(high, kind="stable").astype(np.int32)
            self._high, self._low = high[self._numbers], low[self._numbers]
            self._sorted = None
            return
        # Not all UUIDs (or two sharing their first 64 bits): compare the bytes.
        ids = uuid_bytes(*numbers) if numbers is not None else parts.ids()
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
        if not self.size or not wanted.size:
            return np.full(wanted.size, -1, dtype=np.int32)
        if self._sorted is not None:
            at = np.minimum(np.searchsorted(self._sorted, wanted), self.size - 1)
            return np.where(self._sorted[at] == wanted, self._numbers[at], -1).astype(np.int32)
        high, low, valid = uuid_numbers(wanted)  # an id that is no UUID is not among these ids
        at = np.minimum(np.searchsorted(self._high, high), self.size - 1)
        found = valid & (self._high[at] == high) & (self._low[at] == low)
        return np.where(found, self._numbers[at], -1).astype(np.int32)

    def codes_of_runs(self, wanted: np.ndarray) -> np.ndarray:
        """As :meth:`codes_of_bytes`, looking each run of equal ids up once (a rating's scores lie together)."""
        if not wanted.size:
            return np.zeros(0, dtype=np.int32)
        heads = np.flatnonzero(np.concatenate(([True], wanted[1:] != wanted[:-1])))
        return np.repeat(self.codes_of_bytes(wanted[heads]), np.diff(np.append(heads, wanted.size)))


def uuid_numbers(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first and last 64 bits of each id, and whether it is a lowercase UUID at all."""
    n = ids.size
    high, low, valid = np.zeros(n, np.uint64), np.zeros(n, np.uint64), np.zeros(n, bool)
    width = ids.dtype.itemsize
    if width < _UUID_WIDTH or not n:
        return high, low, valid
    raw = np.ascontiguousarray(ids).view(np.uint8).reshape(n, width)
    for start in range(0, n, _SLICE):
        part = raw[start:start + _SLICE]
        digits = _HEX[part[:, _DIGITS]]
        ok = (part[:, _DASHES] == ord("-")).all(axis=1) & (digits != 255).all(axis=1)
        if width > _UUID_WIDTH:  # a wider array: only ids padded with NULs past the 36th byte
            ok &= (part[:, _UUID_WIDTH:] == 0).all(axis=1)
        packed = np.ascontiguousarray((digits[:, 0::2] << 4) | (digits[:, 1::2] & 15)).view(">u8")
        high[start:start + _SLICE], low[start:start + _SLICE] = packed[:, 0], packed[:, 1]
        valid[start:start + _SLICE] = ok
    return high, low, valid


def uuid_bytes(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """The UUIDs whose first and last 64 bits these are, as the 36 bytes :func:`uuid_numbers` read."""
    n = high.size
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0], raw[:, 1] = high, low
    packed = raw.view(np.uint8).reshape(n, 16)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = _HEX_DIGITS[packed >> 4], _HEX_DIGITS[packed & 15]
    text = np.full((n, _UUID_WIDTH), ord("-"), dtype=np.uint8)
    text[:, _DIGITS] = digits
    return text.view(f"S{_UUID_WIDTH}").reshape(n)


def utf8(keys: Sequence[str]) -> np.ndarray:
    """Strings as a numpy array of their UTF-8 bytes."""
    text = np.array(keys, dtype=str)
    try:
        return text.astype("S")  # ASCII, as ids are: numpy's fast path
    except UnicodeEncodeError:
        return np.char.encode(text, "utf-8")
