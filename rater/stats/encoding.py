"""Turning id, score and time columns into numpy arrays quickly.

Sorting a million strings takes most of a second, so integer ids take a
bincount-based path that never sorts the rows, and string ids are hashed once
per row with only their distinct values sorted.
Problems are appended to a caller's list instead of raised, so that one pass
over the input can report all of them.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

import numpy as np

from rater.sort_keys import natural_key

logger = logging.getLogger(__name__)

Locator = Callable[[np.ndarray], str]

_SECONDS_PER_DAY = 86_400.0
_DENSE_SLACK = 8
_MAX_LISTED = 20
_PREFIX_NUMBER = re.compile(r"(\D*)(\d+)")


class Coded(NamedTuple):
    """An id column given as integer codes into ``labels`` (negative = missing).

    Passing ids this way skips hashing every row, which matters for string ids
    in studies of a million item scores.
    """

    codes: np.ndarray
    labels: Sequence[Any]


def locator(line_numbers: np.ndarray | None) -> Locator:
    """Return a function naming the rows of a boolean mask or index array."""

    def where(rows: np.ndarray) -> str:
        idx = np.flatnonzero(rows) if rows.dtype == bool else np.asarray(rows)
        shown = idx[:_MAX_LISTED]
        names = line_numbers[shown] if line_numbers is not None else shown + 1
        noun = "line" if line_numbers is not None else "row"
        text = f"{noun}{'s' if idx.size > 1 else ''} " + ", ".join(str(int(n)) for n in names)
        if idx.size > shown.size:
            text += f" and {idx.size - shown.size} more"
        return text

    return where


def dense_codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..m-1 for integer keys, in ascending key order, and the distinct keys."""
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size == 0:
        return keys, keys
    lo, hi = int(keys.min()), int(keys.max())
    if hi - lo > _DENSE_SLACK * keys.size + 1024:
        uniques, codes = np.unique(keys, return_inverse=True)
        return codes.reshape(-1), uniques
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[keys - lo] = True
    lookup = np.cumsum(present) - 1
    return lookup[keys - lo], np.flatnonzero(present) + lo


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys in ascending order and each entry's number among them (int32).

    Keys that come in order (a study's ratings in export order: by session, then rater)
    are numbered run by run, without a sort.
    """
    if keys.size and bool(np.all(keys[1:] >= keys[:-1])):
        new = np.empty(keys.size, dtype=bool)
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        number = np.cumsum(new, dtype=np.int32)
        number -= 1
        return keys[new], number
    distinct, number = np.unique(keys, return_inverse=True)
    return distinct, number.astype(np.int32)


def encode_ids(values: Any, natural: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encode an id column as ``(codes, labels, missing)``.

    Missing entries (None, empty string, NaN) get code -1. Labels are an
    object array of plain Python values, sorted (naturally for strings when
    ``natural``) so that code order is id order.
    """
    if isinstance(values, Coded):
        return encode_coded(values.codes, values.labels, natural)
    arr = np.asarray(values)
    if arr.dtype.kind == "f" and np.all(np.isnan(arr) | (arr == np.round(arr))):
        missing = np.isnan(arr)
        ints = np.where(missing, 0, arr).astype(np.int64)
        codes, labels, _ = encode_ids(ints[~missing])
        out = np.full(missing.size, -1, dtype=np.int64)
        out[~missing] = codes
        return out, labels, missing
    if arr.dtype.kind in "iu":
        codes, uniques = dense_codes(arr)
        return codes, uniques.astype(object), np.zeros(arr.size, dtype=bool)
    # Hashing each row once is several times faster than sorting a million strings;
    # only the distinct values are then sorted.
    items = arr.ravel().tolist()
    seen = list(dict.fromkeys(items))
    index = {value: i for i, value in enumerate(seen)}
    raw = np.fromiter(map(index.__getitem__, items), np.int64, len(items))
    names = [None if _is_missing(v) else str(v) for v in seen]
    return _relabel(raw, names, natural)


def encode_coded(codes: Any, labels: Any, natural: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`encode_ids` for a column that is already integer-coded:
    ``labels[codes[i]]`` is row i's id and a negative code means missing."""
    codes = np.asarray(codes, dtype=np.int64)
    if all(type(v) is str for v in labels):  # as the CSV reader gives them: one test per label
        names = [v if v.strip() else None for v in labels]
    else:
        names = [None if _is_missing(v) else str(v) for v in labels]
    if codes.size and codes.max() >= len(names):
        raise ValueError(f"a code is out of range for {len(names)} labels")
    return _relabel(np.where(codes < 0, len(names), codes), names + [None], natural)


def _relabel(raw: np.ndarray, names: list[str | None], natural: bool
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map raw codes whose names are ``names`` onto sorted distinct names."""
    distinct = _sorted_names({name for name in names if name is not None}, natural)
    code_of = {name: code for code, name in enumerate(distinct)}
    remap = np.array([-1 if name is None else code_of[name] for name in names], dtype=np.int64)
    codes = remap[raw]
    return codes, np.array(distinct, dtype=object), codes < 0


def _sorted_names(names: set[str], natural: bool) -> list[str]:
    """Sorted names; naturally sorted ones take a shortcut when every name is a prefix and
    a number ("S0012", "R3"), which orders exactly as :func:`natural_key` but several
    times faster on tens of thousands of session ids."""
    if not natural or _prefix_and_equal_width_number(names):
        return sorted(names)
    matches = [_PREFIX_NUMBER.fullmatch(name) for name in names]
    # Names alike in natural order ("P01", "P1") by their text: a set's own order changes
    # from one run to the next.
    if not all(matches):
        return sorted(names, key=lambda name: (natural_key(name), name))
    if len({m.end(1) for m in matches}) == 1 and len({len(n) for n in names}) == 1 \
            and len({m[1] for m in matches}) == 1:
        return sorted(names)  # one prefix, equally wide numbers: text order is number order
    return [m.string for m in sorted(matches, key=lambda m: (m[1], int(m[2]), m.string))]


def blocks_by_size(unit: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Group rows by their unit's size: for compact unit codes (0..m-1), one
    ``(v, units, rows)`` per distinct number v of rows per unit, ``rows`` being
    the units × v matrix of row indices. Sums over pairs of rows within units
    then become v² vectorised passes instead of a loop over units."""
    # Rows usually arrive sorted by unit (ratings are numbered in session order).
    ordered = unit.size < 2 or bool(np.all(unit[1:] >= unit[:-1]))
    order = np.arange(unit.size) if ordered else np.argsort(unit, kind="stable")
    counts = np.bincount(unit)
    starts = np.cumsum(counts) - counts
    out = []
    for v in np.unique(counts[counts > 0]):
        units = np.flatnonzero(counts == v)
        out.append((int(v), units, order[starts[units][:, None] + np.arange(v)]))
    return out


def first_appearance(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber codes by first appearance in the rows (codes of -1 stay -1)."""
    if labels.size == 0:
        return codes, labels
    valid = codes >= 0
    first = np.full(labels.size, codes.size, dtype=np.int64)
    np.minimum.at(first, codes[valid], np.flatnonzero(valid))
    order = np.argsort(first, kind="stable")
    rank = np.empty(labels.size, dtype=np.int64)
    rank[order] = np.arange(labels.size)
    return np.where(valid, rank[np.maximum(codes, 0)], -1), labels[order]


def float_column(values: Any, name: str, where: Locator, problems: list[str]) -> np.ndarray:
    """Numbers as float64 with NaN for missing; non-numbers and infinities are problems."""
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        items = np.asarray(values, dtype=object).ravel().tolist()
        out = np.full(len(items), np.nan)
        bad = np.zeros(len(items), dtype=bool)
        for i, v in enumerate(items):
            if _is_missing(v):
                continue
            try:
                out[i] = float(v)
            except (TypeError, ValueError):
                bad[i] = True
        if bad.any():
            problems.append(f"{name} is not a number at {where(bad)}")
    infinite = np.isinf(out)
    if infinite.any():
        problems.append(f"{name} is infinite at {where(infinite)}")
        out[infinite] = np.nan
    return out


def to_days(values: Any, where: Locator, problems: list[str]) -> np.ndarray:
    """Submission times as days since 1970-01-01 UTC (NaN if unknown).

    Naive datetimes are taken as UTC: only differences between times matter.
    Plain numbers are taken to be days already.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        millis = arr.astype("datetime64[ms]")
        days = millis.astype(np.int64) / (_SECONDS_PER_DAY * 1000.0)
        return np.where(np.isnat(millis), np.nan, days)
    if arr.dtype.kind in "iuf":
        return arr.astype(np.float64)
    cache: dict[Any, float | None] = {}
    items = arr.ravel().tolist()
    out = np.full(len(items), np.nan)
    bad = np.zeros(len(items), dtype=bool)
    for i, v in enumerate(items):
        if v not in cache:
            cache[v] = _parse_time(v)
        day = cache[v]
        if day is None:
            bad[i] = True
        else:
            out[i] = day
    if bad.any():
        problems.append(f"submitted_at is not an ISO date/time at {where(bad)}")
    return out


def _parse_time(value: Any) -> float | None:
    """Days since the epoch, NaN when absent, None when unparseable."""
    if _is_missing(value):
        return math.nan
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() / _SECONDS_PER_DAY


def _prefix_and_equal_width_number(names: set[str]) -> bool:
    """Whether every name is one shared prefix and an equally wide ASCII number ("S00012"):
    then text order is natural order. Checked on a character grid rather than name by name,
    which matters for tens of thousands of session ids."""
    if len({len(name) for name in names}) != 1:
        return False
    grid = np.array(list(names))
    if grid.dtype.kind != "U" or grid.size == 0 or grid.dtype.itemsize == 0:
        return False
    chars = grid.view(np.uint32).reshape(grid.size, -1)
    digit = (chars >= 48) & (chars <= 57)
    prefix = int(np.argmax(digit[0])) if digit[0].any() else chars.shape[1]
    if prefix == chars.shape[1] or (chars >= 128).any():
        return False
    return bool(digit[:, prefix:].all() and not digit[:, :prefix].any()
                and (chars[:, :prefix] == chars[0, :prefix]).all())


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)

