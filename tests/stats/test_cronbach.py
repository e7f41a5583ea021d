"""Cronbach's alpha over ratings and by session number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rater.stats import cronbach_alpha, cronbach_alpha_by_session_number


@pytest.mark.parametrize("n,k,seed,missing", [(10, 3, 0, 0.0), (50, 6, 1, 0.05),
                                               (300, 12, 2, 0.02)])
def test_matches_pingouin_listwise(n, k, seed, missing):
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(0, 1, (n, 1)) + rng.normal(0, 1, (n, k)), 1)
    x[rng.random(x.shape) < missing] = np.nan
    theirs, _ = pg.cronbach_alpha(pd.DataFrame(x), nan_policy="listwise")
    ours = cronbach_alpha(x)
    assert ours.value == pytest.approx(theirs, abs=1e-6)
    assert ours.n_rows == int((~np.isnan(x).any(axis=1)).sum())
    assert ours.n_items == k


def test_undefined_cases_give_none_and_reason():
    assert cronbach_alpha(np.ones((5, 1))).reason == "alpha needs at least 2 items"
    one_row = cronbach_alpha(np.array([[1.0, 2.0], [np.nan, 3.0]]))
    assert one_row.value is None and "2 complete rows" in one_row.reason
    flat = cronbach_alpha(np.full((4, 3), 2.0))
    assert flat.value is None and "zero variance" in flat.reason


def test_by_session_number_uses_rater_means_and_median():
    # 2 raters × 3 sessions per session number, 2 session numbers, 3 items.
    rng = np.random.default_rng(5)
    n_sessions, raters = 6, 2
    items = rng.integers(0, 7, (n_sessions * raters, 3)).astype(float)
    rating_session = np.repeat(np.arange(n_sessions), raters)
    session_number = np.array([1, 1, 1, 2, 2, 2], dtype=float)
    result = cronbach_alpha_by_session_number(items, rating_session, session_number)

    means = items.reshape(n_sessions, raters, 3).mean(axis=1)
    expected = {1: cronbach_alpha(means[:3]).value, 2: cronbach_alpha(means[3:]).value}
    assert {n: r.value for n, r in result.by_session_number.items()} == pytest.approx(expected)
    defined = [v for v in expected.values() if v is not None]
    assert result.median == pytest.approx(float(np.median(defined)))


def test_by_session_number_needs_session_numbers():
    items = np.ones((4, 3))
    result = cronbach_alpha_by_session_number(items, np.array([0, 0, 1, 1]), None)
    assert result.median is None and "session numbers" in result.reason
