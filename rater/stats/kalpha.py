"""Krippendorff's alpha for reliability data with missing values.

alpha = 1 - D_o / D_e over pairable values (values in units with at least two
values). Rather than building the values × values coincidence matrix, the sums
are taken in closed form, which is O(number of values):

* interval: sum over ordered pairs (i != j) of a set of m values of
  (v_i - v_j)^2 equals 2 m sum (v_i - mean)^2, for each unit and for all values.
* ordinal: Krippendorff's ordinal metric between values c <= k is
  (n_c + ... + n_k - (n_c + n_k) / 2)^2 = (r_k - r_c)^2 with
  r_c = n_1 + ... + n_(c-1) + n_c / 2, so ordinal alpha is interval alpha on r.
* nominal: mismatching pairs are m^2 - sum of squared value counts.
* ratio: ((c - k) / (c + k))^2 does not separate, so the sums run over the
  distinct values' coincidence matrix (values × values, built from the pairs
  within units grouped by unit size), which is small because rating scores
  take few distinct values.

Verified against Krippendorff (2011) "Computing Krippendorff's
Alpha-Reliability" and the ``krippendorff`` package (see the tests).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rater.stats.encoding import blocks_by_size, dense_codes

logger = logging.getLogger(__name__)

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class KrippendorffResult:
    """Alpha at one level of measurement; None with ``reason`` when undefined."""

    value: float | None
    level: Level
    n_units: int
    n_values: int
    reason: str | None = None


def krippendorff_alpha(units: np.ndarray, values: np.ndarray,
                       level: Level = "interval") -> KrippendorffResult:
    """Krippendorff's alpha of ``values`` grouped by ``units`` (one entry per coder
    and unit, NaN = missing); units with fewer than two values are not pairable
    and ignored. The ratio level needs non-negative values."""
    return krippendorff_alphas(units, values, (level,))[level]


def krippendorff_alphas(units: np.ndarray, values: np.ndarray,
                        levels: Sequence[Level] = LEVELS) -> dict[str, KrippendorffResult]:
    """Alpha at several levels at once, sharing the grouping and the distinct values."""
    for level in levels:
        if level not in LEVELS:
            raise ValueError(f"unknown level of measurement {level!r}")
    values = np.asarray(values, dtype=np.float64)
    known = ~np.isnan(values)
    unit, values = _codes(np.asarray(units)[known]), values[known]
    pairable = np.bincount(unit)[unit] >= 2
    unit, values = unit[pairable], values[pairable]
    m = np.bincount(unit).astype(np.float64)
    n_units = int(np.count_nonzero(m))
    n = values.size
    if n_units == 0:
        return {lv: KrippendorffResult(None, lv, 0, 0, "no unit has two or more values")
                for lv in levels}
    if np.ptp(values) == 0:
        return {lv: KrippendorffResult(None, lv, n_units, n,
                                       "all values are identical: expected disagreement is zero")
                for lv in levels}
    distinct = value_code = counts = None
    if any(lv != "interval" for lv in levels):
        # Ratings take few distinct values: finding them without the inverse and looking
        # each value up is faster than np.unique's full argsort.
        distinct = np.unique(values)
        value_code = np.searchsorted(distinct, values)
        counts = np.bincount(value_code, minlength=distinct.size).astype(np.float64)
        # Units grouped by their number of values, shared by the ratio and nominal levels.
        blocks = blocks_by_size(unit)
    out = {}
    for level in levels:
        if level == "interval":
            observed, expected = _squared_differences(unit, values, m)
        elif level == "ratio":
            if distinct[0] < 0:
                out[level] = KrippendorffResult(None, level, n_units, n,
                                                "the ratio level needs non-negative values")
                continue
            observed, expected = _ratio(blocks, value_code, distinct, counts)
        elif level == "ordinal":
            ranks = np.cumsum(counts) - counts / 2
            observed, expected = _squared_differences(unit, ranks[value_code], m)
        else:
            observed = _nominal(blocks, value_code)
            expected = n**2 - np.sum(counts**2)
        out[level] = KrippendorffResult(float(1 - (n - 1) * observed / expected), level,
                                        n_units, n)
    return out


def _codes(keys: np.ndarray) -> np.ndarray:
    """Unit ids usable as bincount bins: small non-negative integers (such as
    session codes) are used as they are, anything else is compacted."""
    if keys.dtype.kind in "iu" and (keys.size == 0 or
                                    (keys.min() >= 0 and keys.max() < 4 * keys.size + 1024)):
        return keys.astype(np.int64, copy=False)
    return dense_codes(keys)[0] if keys.dtype.kind in "iu" else (
        np.unique(keys, return_inverse=True)[1].reshape(-1))


def _nominal(blocks: list, value_code: np.ndarray) -> float:
    """Observed sum for the nominal metric: ordered pairs of unequal values within
    each unit, divided by m_u - 1; pairs are compared column by column per block
    of equally sized units, so no unit × value table is built."""
    observed = 0.0
    for v, _, rows in blocks:
        codes = value_code[rows]
        equal = sum(np.count_nonzero(codes[:, a] == codes[:, b])
                    for a in range(v) for b in range(a + 1, v))
        observed += 2.0 * (rows.shape[0] * v * (v - 1) / 2 - equal) / (v - 1)
    return observed


def _ratio(blocks: list, value_code: np.ndarray, distinct: np.ndarray,
           counts: np.ndarray) -> tuple[float, float]:
    """Observed and expected sums for the ratio metric from the coincidence matrix."""
    size = distinct.size
    coincidence = np.zeros(size * size)
    # Pairs of a value with itself land on the diagonal, where the distance is zero.
    for v, _, rows in blocks:
        codes = value_code[rows]
        for a in range(v):
            for b in range(v):
                coincidence += np.bincount(codes[:, a] * size + codes[:, b],
                                           minlength=size * size) / (v - 1)
    total = distinct[:, None] + distinct[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(total > 0, ((distinct[:, None] - distinct[None, :]) / total) ** 2, 0.0)
    observed = float(coincidence @ delta.ravel())
    expected = float(counts @ delta @ counts)
    return observed, expected


def _squared_differences(unit: np.ndarray, values: np.ndarray,
                         m: np.ndarray) -> tuple[float, float]:
    """Sums over ordered pairs of (v_i - v_j)^2: within units (each divided by
    m_u - 1) and over all pairable values."""
    values = values - values.mean()
    used = m > 0
    unit_mean = np.zeros(m.size)
    unit_mean[used] = np.bincount(unit, weights=values, minlength=m.size)[used] / m[used]
    within = np.bincount(unit, weights=(values - unit_mean[unit]) ** 2, minlength=m.size)
    observed = np.sum(2 * m[used] * within[used] / (m[used] - 1))
    return float(observed), float(2 * values.size * np.sum(values**2))
