"""Item scores held one byte each: :class:`CodedScores`.

Item scores are small integers. A study's reader holds each as one signed byte
that is either the value or a marker (a row without a value, N/A), where a
float32 value beside an N/A flag took five: a million item scores are 1 MB,
not 5. The markers are those of :class:`~rater.stats.cells.Cells`, so the
analysis copies the bytes into its cells as they are. Read through
:class:`CodedScores` (values, NaN where none) and :class:`NaMarks` (the N/A
flags), either column reads like the float32 and bool arrays it replaces:
indexing gives a new array, numpy functions take it whole (``np.asarray``).
"""

from __future__ import annotations

import numpy as np

ABSENT, BLANK, NA = -128, -127, -126  # markers: no row, a row without a value, N/A
LOWEST = -125  # the smallest value a code holds


def fits(values: np.ndarray) -> bool:
    """Whether every value (no NaN among them) is an integer from :data:`LOWEST` to 127."""
    return not values.size or bool((values >= LOWEST).all() and (values <= 127).all()
                                   and (values == np.round(values)).all())


def small_codes(value: np.ndarray, na: np.ndarray) -> np.ndarray | None:
    """``value`` (NaN for none) and ``na`` as int8 codes, or None when a value is not an
    integer from :data:`LOWEST` to 127."""
    known = ~np.isnan(value)
    held = value[known]
    if not fits(held):
        return None
    codes = np.full(value.size, BLANK, dtype=np.int8)
    codes[known] = held
    codes[na] = NA
    return codes


class _CodeColumn:
    """A column read from the codes: ``column[key]`` is ``decode(codes[key])``."""

    dtype: np.dtype

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __getitem__(self, key) -> np.ndarray:  # noqa: ANN001 (whatever indexes an array)
        return self._decode(self.codes[key])

    def __len__(self) -> int:
        return int(self.codes.size)

    @property
    def size(self) -> int:
        return int(self.codes.size)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.codes.shape

    @property
    def ndim(self) -> int:
        return 1

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # noqa: ANN001 (numpy's protocol)
        whole = self._decode(self.codes)
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def astype(self, dtype, copy: bool = True) -> np.ndarray:  # noqa: ANN001 (a numpy dtype)
        return self._decode(self.codes).astype(dtype, copy=False)

    @property
    def nbytes(self) -> int:
        """The bytes held: the codes' (shared by the values and the N/A flags)."""
        return int(self.codes.nbytes)

    def tolist(self) -> list:
        return self._decode(self.codes).tolist()

    def any(self) -> bool:
        return bool(self._decode(self.codes).any())


class CodedScores(_CodeColumn):
    """The values of int8 codes as float32, NaN where a code is a marker."""

    dtype = np.dtype(np.float32)

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        return np.where(codes < LOWEST, np.float32(np.nan), codes.astype(np.float32))

    @property
    def na(self) -> NaMarks:
        """The N/A flags of the same codes."""
        return NaMarks(self.codes)


class NaMarks(_CodeColumn):
    """The N/A flags of int8 codes (bool)."""

    dtype = np.dtype(bool)

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        return codes == NA
