"""Per-rater bias and drift."""

from __future__ import annotations

import numpy as np
import pytest

from rater.stats import analyse, rater_bias, report_to_json
from rater.stats.bias import session_differences


def test_rater_scoring_one_point_high_is_flagged(study):
    rows = study(n_sessions=60, raters=["R1", "R2", "R3", "R4"], k=3, noise=0.3,
                 offsets={"R4": 1.0}, seed=2)
    report = analyse(rows)
    by_rater = {b.rater_id: b for b in report.raters}
    lenient = by_rater["R4"]
    assert lenient.bias == pytest.approx(1.0, abs=0.15)
    assert lenient.flagged and "|bias|" in lenient.flags[0]
    assert lenient.n_sessions == sum(1 for r in rows if r.rater_id == "R4" and r.item == "q1")
    assert not any(by_rater[r].flagged for r in ("R1", "R2", "R3"))
    assert lenient.reason == "no submission times: drift not assessed"


def test_bias_is_difference_from_the_other_raters_mean():
    scores = np.array([3.0, 1.0, 2.0, 5.0, 4.0, np.nan])
    session = np.array([0, 0, 0, 1, 1, 1])
    rater = np.array([0, 1, 2, 0, 1, 2])
    result = {b.rater_id: b for b in rater_bias("s", scores, session, rater,
                                                np.array(["A", "B", "C"], dtype=object))}
    # Session 0: A 3 - mean(1, 2) = 1.5; session 1: A 5 - 4 = 1.
    assert result["A"].bias == pytest.approx((1.5 + 1.0) / 2)
    assert result["A"].n_sessions == 2
    assert result["C"].bias == pytest.approx(2 - 2)


def test_threshold_is_configurable(study):
    rows = study(n_sessions=40, noise=0.2, offsets={"R1": 0.4}, seed=3)
    assert not any(b.flagged for b in analyse(rows).raters if b.rater_id == "R1")
    assert any(b.flagged for b in analyse(rows, bias_threshold=0.2).raters if b.rater_id == "R1")


def test_drift_over_submission_time_is_flagged():
    rng = np.random.default_rng(0)
    n = 80
    level = rng.normal(3, 1, n)
    session = np.repeat(np.arange(n), 2)
    rater = np.tile([0, 1], n)
    days = np.repeat(np.arange(n, dtype=float) * 2, 2)
    drift = np.where(rater == 1, np.repeat(np.linspace(0, 1.5, n), 2), 0.0)
    scores = np.repeat(level, 2) + drift + rng.normal(0, 0.1, 2 * n)
    result = {b.rater_id: b for b in rater_bias("s", scores, session, rater,
                                                np.array(["A", "B"], dtype=object), days)}
    drifting = result["B"]
    assert drifting.drift_slope_per_day == pytest.approx(1.5 / (2 * (n - 1)), rel=0.2)
    assert drifting.drift_p < 1e-6
    assert drifting.bias_second_half > drifting.bias_first_half + 0.5
    assert drifting.flagged and any("drift" in f for f in drifting.flags)


def test_drift_slope_matches_scipy_linregress():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    n = 30
    days = rng.uniform(0, 100, n)
    scores = np.column_stack([rng.normal(3, 1, n), np.zeros(n)])
    scores[:, 1] = scores[:, 0] + 0.01 * days + rng.normal(0, 0.5, n)
    result = rater_bias("s", scores.ravel(), np.repeat(np.arange(n), 2), np.tile([0, 1], n),
                        np.array(["A", "B"], dtype=object), np.repeat(days, 2))
    fit = scipy_stats.linregress(days, scores[:, 1] - scores[:, 0])
    assert result[1].drift_slope_per_day == pytest.approx(fit.slope)
    assert result[1].drift_p == pytest.approx(fit.pvalue)


def test_report_includes_drift_from_submission_times(study):
    data = report_to_json(analyse(study(n_sessions=20, with_times=True)))
    rater = data["raters"][0]
    assert set(rater) >= {"rater_id", "scale", "n_sessions", "bias", "drift_slope_per_day",
                          "drift_p", "bias_first_half", "bias_second_half", "flagged", "flags"}
    assert rater["drift_slope_per_day"] is not None and rater["reason"] is None


def test_sum_scales_scale_the_threshold_by_their_item_count(study):
    from rater.stats import ScaleSpec

    # R1 scores 0.4 higher on every item: 1.6 points on a 4-item sum, which is a
    # 0.4 shift of the item mean and stays under the default 0.5 threshold.
    rows = study(n_sessions=60, noise=0.2, offsets={"R1": 0.4}, seed=3)
    report = analyse(rows, scales=[ScaleSpec("total", ["q1", "q2", "q3", "q4"], method="sum")])
    r1 = next(b for b in report.raters if b.rater_id == "R1")
    assert r1.bias > 1.0 and not r1.flagged
    flagged = analyse(rows, scales=[ScaleSpec("total", ["q1", "q2", "q3", "q4"], method="sum")],
                      bias_threshold=0.2)
    assert next(b for b in flagged.raters if b.rater_id == "R1").flagged


def test_session_differences_are_each_rating_minus_the_others_mean():
    scores = np.array([4.0, 2.0, 3.0, 5.0, 1.0])
    sessions = np.array([0, 0, 0, 1, 2])  # sessions 1 and 2 have one rating each: no difference
    diff, shared = session_differences(scores, sessions)
    assert shared.tolist() == [True, True, True, False, False]
    assert diff[shared].tolist() == pytest.approx([4 - 2.5, 2 - 3.5, 3 - 3.0])
