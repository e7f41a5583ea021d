"""ICC in six forms: Shrout & Fleiss (1979) reference values and pingouin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rater.stats import ICC_FORMS, icc

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
                          [6, 2, 4, 7]])
# Table 1 mean squares: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02.
BMS, WMS, EMS = 11.24, 6.26, 1.02


def test_shrout_fleiss_table_2_values():
    result = icc(SHROUT_FLEISS)
    expected = {"ICC(1,1)": 0.17, "ICC(A,1)": 0.29, "ICC(C,1)": 0.71,
                "ICC(1,k)": 0.44, "ICC(A,k)": 0.62, "ICC(C,k)": 0.91}
    for form, value in expected.items():
        assert round(result[form].value, 2) == value, form


def test_shrout_fleiss_table_1_f_ratios_and_df():
    result = icc(SHROUT_FLEISS)
    assert result["ICC(1,1)"].F == pytest.approx(BMS / WMS, abs=0.01)
    assert result["ICC(C,1)"].F == pytest.approx(BMS / EMS, abs=0.05)
    assert (result["ICC(1,1)"].df1, result["ICC(1,1)"].df2) == (5, 18)
    assert (result["ICC(A,1)"].df1, result["ICC(A,1)"].df2) == (5, 15)
    assert list(result) == list(ICC_FORMS)


def _pingouin_icc(matrix, monkeypatch):
    pg = pytest.importorskip("pingouin")
    # pingouin rounds CI95 to 2 decimals by default; switch that off to compare at 1e-6.
    monkeypatch.setitem(pg.options, "round.column.CI95", None)
    n, k = matrix.shape
    data = pd.DataFrame({"target": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n),
                         "score": matrix.ravel()})
    table = pg.intraclass_corr(data, targets="target", raters="rater", ratings="score")
    return table.set_index("Type")


@pytest.mark.parametrize("n,k,seed", [(6, 4, 0), (20, 2, 1), (35, 3, 2), (12, 7, 3), (200, 5, 4)])
def test_matches_pingouin_on_random_designs(n, k, seed, monkeypatch):
    rng = np.random.default_rng(seed)
    matrix = (rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.5, (1, k))
              + rng.normal(0, 0.8, (n, k))).round(1)
    ours = icc(matrix)
    theirs = _pingouin_icc(matrix, monkeypatch)
    for form in ICC_FORMS:
        row = theirs.loc[form]
        mine = ours[form]
        assert mine.value == pytest.approx(row["ICC"], abs=1e-6), form
        assert mine.F == pytest.approx(row["F"], abs=1e-6), form
        assert (mine.df1, mine.df2) == (row["df1"], row["df2"]), form
        assert mine.p == pytest.approx(row["pval"], abs=1e-6), form
        assert mine.ci95 == pytest.approx(tuple(row["CI95"]), abs=1e-6), form


def test_pingouin_shrout_fleiss_confidence_intervals(monkeypatch):
    theirs = _pingouin_icc(SHROUT_FLEISS.astype(float), monkeypatch)
    ours = icc(SHROUT_FLEISS)
    for form in ICC_FORMS:
        assert ours[form].ci95 == pytest.approx(tuple(theirs.loc[form, "CI95"]), abs=1e-6)


def test_perfect_agreement_has_infinite_f_reported_as_none():
    matrix = np.array([[1.0, 1.0], [2.0, 2.0], [4.0, 4.0]])
    result = icc(matrix)
    assert result["ICC(C,1)"].value == pytest.approx(1.0)
    assert result["ICC(C,1)"].F is None
    assert result["ICC(C,1)"].p == 0.0
    assert "F is infinite" in result["ICC(C,1)"].reason


def test_zero_variance_gives_none_with_reason():
    result = icc(np.full((5, 3), 2.0))
    for form in ICC_FORMS:
        assert result[form].value is None
        assert result[form].ci95 == (None, None)
        assert result[form].reason


def test_too_small_matrices_are_undefined_not_errors():
    for shape in [(1, 3), (4, 1), (0, 0)]:
        result = icc(np.ones(shape))
        assert all(r.value is None and "at least 2" in r.reason for r in result.values())


def test_missing_values_are_rejected():
    with pytest.raises(ValueError, match="complete"):
        icc(np.array([[1.0, np.nan], [2.0, 3.0]]))
