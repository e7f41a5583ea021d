"""Parsing a regular CSV file straight into numpy arrays, chunk by chunk.

"Regular" means no quote characters and the same number of fields on every
line, which is what spreadsheet programs and scripts write for ratings. Such
a file needs no per-row Python: the separators are found with one vectorised
comparison, each field is cut out as a fixed-width byte string, id columns
become integer codes chunk by chunk (only the few distinct values of a chunk
pass through Python) and numbers are converted by numpy. Peak memory stays
a few bytes per row above the result. Anything irregular returns None and
the caller falls back to the ``csv`` module, which locates every problem.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)

_CHUNK = 1 << 22  # bytes per chunk: big enough for numpy to dominate, small for memory
_COMMA, _NEWLINE, _QUOTE = 44, 10, b'"'
_BLANKS = (32, 9, 13)  # space, tab, carriage return

MISSING = (b"", b"NA", b"na", b"nan", b"NaN", b"NAN")
NOT_APPLICABLE = (b"N/A", b"n/a")


class RegularColumns:
    """Columns of a regular CSV: ``ids[name] = (codes int32, labels)``, ``text[name]`` is a
    list of per-chunk fixed-width byte arrays for columns converted by the caller."""

    def __init__(self) -> None:
        self.ids: dict[str, tuple[np.ndarray, list[str]]] = {}
        self.text: dict[str, list[np.ndarray]] = {}
        self.n_rows = 0


def parse_regular(data: bytes, header_end: int, n_fields: int, id_columns: dict[str, int],
                  text_columns: dict[str, int]) -> RegularColumns | None:
    """Cut ``data`` after ``header_end`` into fields; None if the file is not regular.

    ``id_columns`` and ``text_columns`` map column names to field positions.
    """
    if _QUOTE in data:
        return None
    body = memoryview(data)[header_end:]
    out = RegularColumns()
    index: dict[str, dict[bytes, int]] = {name: {} for name in id_columns}
    codes: dict[str, list[np.ndarray]] = {name: [] for name in id_columns}
    out.text = {name: [] for name in text_columns}
    start = 0
    while start < len(body):
        stop = min(start + _CHUNK, len(body))
        if stop < len(body):
            stop = bytes(body[stop:min(stop + 65536, len(body))]).find(b"\n")
            stop = len(body) if stop < 0 else start + _CHUNK + stop + 1
        chunk = np.frombuffer(body[start:stop], dtype=np.uint8)
        start = stop
        fields = _fields(chunk, n_fields)
        if fields is None:
            return None
        if fields[0].shape[0] == 0:
            continue
        first, last = fields
        out.n_rows += first.shape[0]
        for name, j in id_columns.items():
            cut = _cut(chunk, first[:, j], last[:, j])
            keys, text_dtype = _sortable(cut)
            distinct, inverse = _unique_runs(keys)
            known = index[name]
            as_bytes = distinct.view(text_dtype)
            mapping = np.array([known.setdefault(bytes(v), len(known)) for v in as_bytes],
                               dtype=np.int32)
            codes[name].append(mapping[inverse.reshape(-1)])
        for name, j in text_columns.items():
            out.text[name].append(_cut(chunk, first[:, j], last[:, j]))
    for name in id_columns:
        try:
            labels = [key.decode("utf-8") for key in index[name]]
        except UnicodeDecodeError:
            return None
        joined = np.concatenate(codes[name]) if codes[name] else np.empty(0, np.int32)
        out.ids[name] = (joined, labels)
    return out


def _fields(chunk: np.ndarray, n_fields: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and end offsets (rows × fields) of whitespace-trimmed fields, or None."""
    # A chunk may end without a newline only at the end of the file.
    if chunk.size and chunk[-1] != _NEWLINE:
        chunk = np.append(chunk, np.uint8(_NEWLINE))
    seps = np.flatnonzero((chunk == _COMMA) | (chunk == _NEWLINE)).astype(np.int32)
    if seps.size % n_fields:
        return None
    ends = seps.reshape(-1, n_fields)
    kinds = chunk[ends]
    if (kinds[:, -1] != _NEWLINE).any() or (kinds[:, :-1] != _COMMA).any():
        return None  # blank lines or lines with another number of fields
    starts = np.empty_like(ends)
    starts[:, 1:] = ends[:, :-1] + 1
    starts[0, 0] = 0
    starts[1:, 0] = ends[:-1, -1] + 1
    if not _blank(chunk).any():
        return starts, ends
    for _ in range(8):  # trim surrounding blanks; ids rarely carry more than a few
        moved = (starts < ends) & _blank(chunk[np.minimum(starts, chunk.size - 1)])
        back = (ends > starts) & _blank(chunk[np.maximum(ends - 1, 0)])
        if not (moved.any() or back.any()):
            break
        starts += moved
        ends -= back
    else:
        return None
    return starts, ends


def _unique_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)``, sorting only the first key of each run
    of equal keys: long-format files repeat a session's and a rater's id row after row."""
    change = np.empty(keys.size, dtype=bool)
    change[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    heads = np.flatnonzero(change)
    if heads.size * 2 > keys.size:
        if keys.dtype.itemsize <= 2:
            # Fields of one or two bytes (item ids such as "i3"): a table of all 65,536
            # possible keys beats sorting the column.
            present = np.bincount(keys, minlength=1) > 0
            distinct = np.flatnonzero(present).astype(keys.dtype)
            lookup = np.cumsum(present) - 1
            return distinct, lookup[keys]
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.reshape(-1)
    distinct, head_inverse = np.unique(keys[heads], return_inverse=True)
    return distinct, np.repeat(head_inverse.reshape(-1), np.diff(np.append(heads, keys.size)))


def _sortable(cut: np.ndarray) -> tuple[np.ndarray, np.dtype]:
    """Fields of up to 8 bytes as one unsigned integer each (sorting integers is several
    times faster than sorting byte strings), and the byte-string type that views the
    integers back as text; wider fields as they are."""
    width = cut.dtype.itemsize
    if width > 8:
        return cut, cut.dtype
    if width not in (1, 2, 4, 8):
        grown = np.zeros(cut.size, dtype=f"S{8 if width > 4 else 4}")
        grown[:] = cut
        cut = grown
    return cut.view(f"<u{cut.dtype.itemsize}"), cut.dtype


def _blank(byte: np.ndarray) -> np.ndarray:
    return (byte == _BLANKS[0]) | (byte == _BLANKS[1]) | (byte == _BLANKS[2])


def _cut(chunk: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The bytes chunk[first:last] of every row as one fixed-width ``S`` array."""
    length = last - first
    width = max(int(length.max()), 1)
    padded = np.append(chunk, np.zeros(width, dtype=np.uint8))
    # One gather per byte position: ids are a few bytes wide, and a rows × width
    # index grid would cost more than the bytes it fetches.
    grid = np.empty((first.size, width), dtype=np.uint8)
    for k in range(width):
        column = padded[first + k]
        column[length <= k] = 0
        grid[:, k] = column
    return grid.view(f"S{width}").reshape(-1)


def to_numbers(parts: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Floats (NaN where missing), the missing mask and the N/A mask of a text column;
    None if some entry is not a number (the caller then locates it)."""
    values = np.concatenate(parts) if len(parts) > 1 else parts[0]
    whole = _small_whole_numbers(values)
    if whole is not None:
        return whole, whole != whole, np.zeros(values.size, dtype=bool)
    missing = np.isin(values, MISSING)
    na = np.isin(values, NOT_APPLICABLE)
    values = np.where(missing | na, b"nan", values)
    try:
        numbers = values.astype(np.float64)
    except ValueError:
        return None
    return numbers, missing, na


def _small_whole_numbers(values: np.ndarray) -> np.ndarray | None:
    """Fields of up to 9 plain digits (or blank) as floats without parsing text; None otherwise.

    Rating scores are almost always such numbers, and numpy's text-to-float
    conversion is the slowest step of reading them."""
    width = values.dtype.itemsize
    if width > 9:
        return None
    digits = values.view(np.uint8).reshape(-1, width)
    pad = digits == 0
    if not np.all(pad | ((digits >= 48) & (digits <= 57))):
        return None
    # Fields are left-aligned and zero-padded, so each row is digits then padding.
    if width > 1 and np.any(pad[:, :-1] & ~pad[:, 1:]):
        return None
    number = np.zeros(values.size)
    for j in range(width):
        column = digits[:, j]
        live = column != 0
        number[live] = number[live] * 10 + (column[live] - 48)
    number[pad[:, 0]] = np.nan  # blank
    return number
