"""Krippendorff's alpha: the published worked example and the krippendorff package."""

from __future__ import annotations

import numpy as np
import pytest

from rater.stats import krippendorff_alpha

NA = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers × 12 units with missing values.
WORKED_EXAMPLE = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
])


def _alpha(data, level):
    units = np.tile(np.arange(data.shape[1]), data.shape[0])
    return krippendorff_alpha(units, data.ravel(), level)


@pytest.mark.parametrize("level,published", [("nominal", 0.743), ("ordinal", 0.815),
                                             ("interval", 0.849), ("ratio", 0.797)])
def test_published_worked_example(level, published):
    result = _alpha(WORKED_EXAMPLE, level)
    assert round(result.value, 3) == published
    assert result.n_units == 11  # the last unit has a single value and is not pairable
    assert result.n_values == 40


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_matches_krippendorff_package(seed, level):
    kd = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(seed)
    data = (rng.integers(1, 6, (1, 80)) + rng.integers(-1, 2, (4, 80))).astype(float)  # >= 0 for ratio
    data[rng.random(data.shape) < 0.25] = np.nan
    expected = kd.alpha(reliability_data=data, level_of_measurement=level)
    assert _alpha(data, level).value == pytest.approx(expected, abs=1e-9)


def test_unit_ids_need_not_be_small_integers():
    data = WORKED_EXAMPLE
    units = np.tile(np.arange(data.shape[1]) * 10**9, data.shape[0])
    assert krippendorff_alpha(units, data.ravel()).value == pytest.approx(0.8491071428571428)


def test_undefined_cases():
    no_pairs = krippendorff_alpha(np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0]))
    assert no_pairs.value is None and "two or more values" in no_pairs.reason
    same = krippendorff_alpha(np.array([0, 0, 1, 1]), np.array([2.0, 2.0, 2.0, 2.0]))
    assert same.value is None and "identical" in same.reason
    negative = krippendorff_alpha(np.array([0, 0, 1, 1]), np.array([-1.0, 2.0, 1.0, 3.0]), "ratio")
    assert negative.value is None and "non-negative" in negative.reason
    with pytest.raises(ValueError):
        krippendorff_alpha(np.array([0, 0]), np.array([1.0, 2.0]), "absolute")
