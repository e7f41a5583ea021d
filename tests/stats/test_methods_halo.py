"""The methods paragraph and the per-rater halo indicator."""

from __future__ import annotations

import numpy as np
import pytest

from rater.stats import RatingRow, analyse, report_to_json
from rater.stats.halo import rater_halo
from rater.stats.methods import MethodsContext, koo_li_band, methods_text


def _rows(n_sessions=60, k=3, pool=8, seed=1, flat_rater=None, missing=0.0, uneven=False):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_sessions):
        level = rng.normal(2, 0.8, 4)  # items differ within a session
        count = (2, 3, 3, 4)[s % 4] if uneven else k
        for r in rng.choice(pool, count, replace=False):
            for j in range(4):
                score = level[j] + rng.normal(0, 0.4)
                if flat_rater is not None and r == flat_rater:
                    score = level.mean()  # one impression for every item
                value = float(np.clip(np.round(score), 0, 4))
                rows.append(RatingRow(f"S{s + 1}", f"R{r + 1}", f"q{j + 1}",
                                      None if rng.random() < missing else value,
                                      session_number=s % 4 + 1, scale="Alliance"))
    return rows


def test_koo_li_bands():
    assert [koo_li_band(v) for v in (0.3, 0.5, 0.74, 0.75, 0.9, 0.95, None)] == [
        "poor", "moderate", "moderate", "good", "excellent", "excellent", "undefined"]


def test_methods_for_a_complete_rotating_design_names_icc_1k_in_both_notations():
    report = analyse(_rows())
    text = methods_text(report, MethodsContext(n_patients=15, assignment="at random (seed 7)",
                                               training="were certified at ICC .80 or above"))
    scale = report.scales["Alliance"]
    assert text.startswith("60 sessions of 15 patients were rated by 8 raters (180 ratings")
    assert "raters rotated across sessions and the design was complete" in text
    assert "Sessions were assigned at random (seed 7)." in text
    assert "ICC(1,k) in McGraw & Wong's (1996) notation, ICC(1,k) in Shrout & Fleiss's" in text
    value = f"{scale.headline.value:.2f}".lstrip("0")
    assert f": {value}, 95% CI [" in text
    assert "single-rater ICC(1,1)" in text and "Koo & Li's (2016)" in text
    median = f"{scale.cronbach_by_session.median:.2f}".lstrip("0")
    assert f"median Cronbach's alpha across session numbers was {median} (4 session numbers)" in text
    assert "trained and were certified at ICC .80 or above" in text
    assert "Session Rater 0.1.0" in text


def test_methods_for_an_incomplete_design_names_the_random_effects_icc_and_what_it_left_out():
    report = analyse(_rows(uneven=True, missing=0.03))
    text = methods_text(report)
    scale = report.scales["Alliance"]
    assert "the design was incomplete" in text
    assert "crossed random-effects model" in text and "ICC(2,k)" in text
    assert f"k = {scale.random_effects.k:.2f}" in text
    unscored = scale.counts["ratings_missing_items"]
    assert unscored > 0 and f"{unscored} of {scale.counts['ratings']} ratings could not be scored" in text
    assert "complete case" in text


def test_a_flat_rater_is_flagged_for_halo_and_the_others_are_not():
    report = analyse(_rows(flat_rater=2), include_items=False)
    halo = {h.rater_id: h for h in report.halo}
    assert halo["R3"].flagged and halo["R3"].ratio < 0.6
    assert not any(h.flagged for rid, h in halo.items() if rid != "R3")
    assert all(0.6 < h.ratio < 1.6 for rid, h in halo.items() if rid != "R3")
    data = report_to_json(report)
    assert {h["rater_id"] for h in data["halo"] if h["flagged"]} == {"R3"}


def test_halo_arithmetic_on_one_session():
    items = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 4.0]])  # SDs 1, 0, 2
    result = {h.rater_id: h for h in rater_halo("S", items, np.array([0, 0, 0]),
                                                np.array([0, 1, 2]), np.array(["A", "B", "C"]))}
    assert result["A"].spread == 1.0 and result["A"].others_spread == pytest.approx(1.0)
    assert result["B"].spread == 0.0 and result["B"].others_spread == pytest.approx(1.5)
    assert result["B"].ratio == 0.0 and not result["B"].flagged  # fewer than 5 shared sessions
    assert result["C"].ratio == pytest.approx(2 / 0.5)
