"""Each row's rating and item code, as a :class:`RatingTable` holds them.

A table read from a file holds both codes per row (:class:`DirectCodes`). A
table made from the study reader's columns holds neither: its rows are the
reader's item scores, grouped by the reader's ratings (one per instrument
rated), and both codes follow from a row's group and its item through small
per-group lookups (:class:`GroupedCodes`). Its rows lie in groups one after
another, so a group is known by where it starts: a million item scores' codes
cost the reader's item column alone, not new per-row copies.
Consumers read the codes a block of rows at a time (:meth:`RowCodes.blocks`),
so no temporary is the size of the whole table.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

logger = logging.getLogger(__name__)

BLOCK_ROWS = 65_536  # rows per block: temporaries of a few hundred kB


class RowCodes(ABC):
    """Per-row rating and item codes, read in blocks."""

    n_rows: int

    @abstractmethod
    def block(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """The rating and item codes of rows ``start:stop``."""

    def blocks(self, size: int = BLOCK_ROWS) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """``(start, stop, rating codes, item codes)`` for consecutive blocks of rows."""
        for start in range(0, self.n_rows, size):
            stop = min(start + size, self.n_rows)
            yield (start, stop, *self.block(start, stop))

    def rating(self) -> np.ndarray:
        """Every row's rating code (a new int64 array unless stored as such)."""
        return self._whole(0)

    def item(self) -> np.ndarray:
        """Every row's item code (a new int64 array unless stored as such)."""
        return self._whole(1)

    def _whole(self, which: int) -> np.ndarray:
        out = np.empty(self.n_rows, dtype=np.int64)
        for start, stop, *codes in self.blocks():
            out[start:stop] = codes[which]
        return out


class DirectCodes(RowCodes):
    """Both codes stored per row."""

    def __init__(self, rating: np.ndarray, item: np.ndarray) -> None:
        self._rating, self._item = rating, item
        self.n_rows = int(rating.size)

    def block(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        return self._rating[start:stop], self._item[start:stop]

    def rating(self) -> np.ndarray:
        return self._rating

    def item(self) -> np.ndarray:
        return self._item


class GroupedCodes(RowCodes):
    """Codes through each row's group: rows ``starts[g]:starts[g + 1]`` are group ``g``'s; a
    row's rating is ``group_rating[g]`` and its item ``item_code[group_offset[g] + raw_item[r]]``.

    ``starts`` (per group, plus the end) and ``raw_item`` (per row) are the reader's
    arrays, used as they are; ``group_rating`` and ``group_offset`` are per group and
    ``item_code`` maps (offset + raw item) to the table's item code, -1 for none.
    """

    def __init__(self, starts: np.ndarray, raw_item: np.ndarray, group_rating: np.ndarray,
                 group_offset: np.ndarray, item_code: np.ndarray) -> None:
        self.starts, self.raw_item = starts, raw_item
        self.group_rating, self.group_offset, self.item_code = group_rating, group_offset, item_code
        self.n_rows = int(raw_item.size)

    def block(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        group = group_of_rows(self.starts, start, stop)
        return self.group_rating[group], self.item_code[self.group_offset[group] + self.raw_item[start:stop]]


def group_of_rows(starts: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The group (int32) of each of rows ``start:stop``, where group ``g`` is rows ``starts[g]:starts[g + 1]``
    (``starts`` non-decreasing, from 0 to the number of rows; a ``stop`` past the end is the end)."""
    stop = min(stop, int(starts[-1]))
    if stop <= start:
        return np.zeros(0, dtype=np.int32)
    # Searched for as values of the starts' own type: another type would copy the whole array.
    needles = np.array((start, stop), dtype=starts.dtype)
    first = int(np.searchsorted(starts, needles[0], side="right")) - 1
    end = int(np.searchsorted(starts, needles[1], side="left"))  # groups first:end hold the rows
    bounds = np.clip(starts[first:end + 1], start, stop)
    return np.repeat(np.arange(first, end, dtype=np.int32), np.diff(bounds))
