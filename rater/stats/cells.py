"""The ratings × items cells of a :class:`RatingTable`: :class:`Cells`.

Every scale and item is scored from the same cells: each holds the item's
value in that rating, an N/A mark, or nothing, and the analysis takes a
scale's few columns out at a time. Item scores are small integers, so a cell
is usually one byte holding the value or one of three markers (no row, a row
without a value, N/A): a study of 94,000 ratings × 22 items is 2 MB, where
float values beside N/A and presence masks took 12 MB. Scores that are not
integers between -125 and 127 (a ratings file may hold any number) keep a
float matrix (float32 when exact) and the two masks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rater.stats.coded import ABSENT, BLANK, LOWEST, NA, CodedScores, NaMarks, fits

if TYPE_CHECKING:
    from rater.stats.table import RatingTable

logger = logging.getLogger(__name__)


class Cells:
    """Ratings × items: values, N/A marks and which cells the data hold a row for.

    Build with :meth:`from_table` or :meth:`from_matrices`. ``labels`` names
    the columns. Held either as one int8 matrix (``small``) or as a float
    ``value`` matrix with ``na`` and ``present`` masks (either may be None:
    no N/A column, presence unknown).
    """

    def __init__(self, labels: Sequence[str], *, small: np.ndarray | None = None,
                 value: np.ndarray | None = None, na: np.ndarray | None = None,
                 present: np.ndarray | None = None, has_na: bool = True) -> None:
        self.labels = list(labels)
        self.column = {label: j for j, label in enumerate(self.labels)}
        self._small, self._value, self._na, self._present = small, value, na, present
        self._has_na = has_na if small is not None else na is not None
        self.n_ratings = int((small if small is not None else value).shape[0])
        self._rated: dict[tuple[int, ...], np.ndarray] = {}  # present_any per set of columns

    @classmethod
    def from_matrices(cls, labels: Sequence[str], value: np.ndarray, na: np.ndarray | None = None,
                      present: np.ndarray | None = None) -> Cells:
        """Cells over full matrices (values with NaN, the N/A and presence masks), not copied."""
        return cls(labels, value=value, na=na, present=present)

    @classmethod
    def from_table(cls, table: RatingTable) -> Cells:
        """The table's cells, filled a block of rows at a time."""
        labels = [str(label) for label in table.item_labels]
        shape = (table.n_ratings, len(labels))
        score, na = table.score, table.na
        if isinstance(score, CodedScores) or _small_integers(score):
            small = np.full(shape, ABSENT, dtype=np.int8)
            for start, stop, rating, item in table.codes.blocks():
                small[rating, item] = _cell_codes(score, na, start, stop)
            return cls(labels, small=small, has_na=na is not None)
        narrow = _exact_float32(score)
        value = np.full(shape, np.nan, dtype=np.float32 if narrow else np.float64)
        present = np.zeros(shape, dtype=bool)
        marks = np.zeros(shape, dtype=bool) if na is not None else None
        for start, stop, rating, item in table.codes.blocks():
            value[rating, item] = score[start:stop]
            present[rating, item] = True
            if marks is not None:
                flagged = na[start:stop]
                marks[rating[flagged], item[flagged]] = True
        return cls(labels, value=value, na=marks, present=present)

    def values(self, columns: Sequence[int], rows: np.ndarray | None = None) -> np.ndarray:
        """Ratings (``rows``, else all) × ``columns`` values, NaN where a cell has none (float32 when exact)."""
        if self._small is None:
            return _take(self._value, columns, rows)
        codes = _take(self._small, columns, rows)
        out = codes.astype(np.float32)
        out[codes < LOWEST] = np.nan
        return out

    def na(self, columns: Sequence[int], rows: np.ndarray | None = None) -> np.ndarray | None:
        """Ratings (``rows``, else all) × ``columns``, True where the rater marked the item N/A
        (None: no N/A column)."""
        if not self._has_na:
            return None
        if self._small is None:
            return _take(self._na, columns, rows)
        return _take(self._small, columns, rows) == NA

    def present_any(self, columns: Sequence[int]) -> np.ndarray | None:
        """Per rating, whether the data hold a row for any of ``columns`` (None: unknown)."""
        if self._small is None and self._present is None:
            return None
        key = tuple(columns)
        if key not in self._rated:  # every item of an instrument asks for the instrument's columns
            # Column by column: the instrument's items can be most of the matrix.
            out = np.zeros(self.n_ratings, dtype=bool)
            for j in columns:
                out |= self._present[:, j] if self._small is None else self._small[:, j] != ABSENT
            out.flags.writeable = False  # shared by every caller
            self._rated[key] = out
        return self._rated[key]


def _take(matrix: np.ndarray, columns: Sequence[int], rows: np.ndarray | None) -> np.ndarray:
    """``columns`` of ``matrix`` for ``rows`` (None: every row), as a new array."""
    return matrix[:, list(columns)] if rows is None else matrix[np.ix_(rows, list(columns))]


def _cell_codes(score: np.ndarray | CodedScores, na: np.ndarray | NaMarks | None, start: int,
                stop: int) -> np.ndarray:
    """The one-byte cells of rows ``start:stop``: the study reader's codes as they are when its
    N/A flags come with them, else made from the values (BLANK for NaN) and ``na``."""
    if isinstance(score, CodedScores):
        code = score.codes[start:stop]
        if isinstance(na, NaMarks) and na.codes is score.codes:
            return code
        code = np.where(code == NA, np.int8(BLANK), code)
    else:
        block = score[start:stop]
        code = np.where(np.isnan(block), BLANK, block).astype(np.int8)
    if na is not None:
        code[na[start:stop]] = NA
    return code


def _small_integers(score: np.ndarray, size: int = 1 << 16) -> bool:
    """Whether every score is NaN or an integer from -125 to 127 (checked in blocks)."""
    for start in range(0, score.size, size):
        block = score[start:start + size]
        if not fits(block[~np.isnan(block)]):
            return False
    return True


def _exact_float32(score: np.ndarray, size: int = 1 << 16) -> bool:
    """Whether float32 holds every score exactly."""
    if score.dtype == np.float32:
        return True
    return all(np.array_equal(score[s:s + size].astype(np.float32), score[s:s + size], equal_nan=True)
               for s in range(0, score.size, size))
