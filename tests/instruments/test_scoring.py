"""Scale scores: HSTBS means, HES-General sum, HES-CT recode, N/A and applicability."""

from __future__ import annotations

import pytest

from rater.instruments import Response, load_file, missing_required, score_all
from rater.paths import RESOURCES


def inst(name):
    return load_file(RESOURCES / "instruments" / f"{name}.toml")[0]


def answers(**values):
    return {k: (Response(is_na=True) if v == "na" else Response(v)) for k, v in values.items()}


def by_id(scores):
    return {s.scale_id: s for s in scores}


def test_hstbs_scale_is_the_mean_of_its_items():
    hstbs = inst("hstbs")
    resp = answers(asg1=4, asg2=3, asg3=0, asg4=2, asg5=4, asg6=1, asg7=3, rev1=1, rev2=2, rev3=3, rev4=4)
    scores = by_id(score_all(hstbs, resp, session_number=2))
    assert scores["assignment"].score == pytest.approx(17 / 7)
    assert scores["review"].score == pytest.approx(2.5)
    assert scores["obstacles"].score is None and scores["obstacles"].status == "incomplete"
    assert (scores["obstacles"].answered, scores["obstacles"].total) == (0, 5)


def test_review_not_applicable_in_session_one():
    hstbs = inst("hstbs")
    scores = by_id(score_all(hstbs, answers(rev1=3), session_number=1))
    assert scores["review"].applies is False and scores["review"].score is None
    assert "session 1" in hstbs.not_applicable_reason("rev1", 1)
    missing = missing_required(hstbs, {}, session_number=1)
    assert "rev1" not in missing and len(missing) == 12
    assert len(missing_required(hstbs, {}, session_number=2)) == 16


def test_hes_general_is_a_sum_0_to_12():
    general = inst("hes_general")
    assert by_id(score_all(general, answers(time=1, frequency=2, effort=1), 3))["hes_general"].score == 4
    assert by_id(score_all(general, answers(time=4, frequency=4, effort=4), 3))["hes_general"].score == 12


def test_hes_ct_recodes_then_sums():
    ct = inst("hes_ct")
    # 0→0, 2→1, 5→2: total 3
    assert by_id(score_all(ct, answers(cognitive=0, self_monitoring=2, behavioural=5), 2))["hes_ct"].score == 3
    assert by_id(score_all(ct, answers(cognitive=6, self_monitoring=6, behavioural=6), 2))["hes_ct"].score == 6
    assert by_id(score_all(ct, answers(cognitive=1, self_monitoring=3, behavioural=4), 2))["hes_ct"].score == 4


def test_na_items_are_left_out_of_means_and_prorated_in_sums():
    general = inst("hes_general")
    # N/A on effort: mean of 2 and 4 = 3, prorated × 3 items = 9
    score = by_id(score_all(general, answers(time=2, frequency=4, effort="na"), 2))["hes_general"]
    assert score.score == 9 and score.status == "complete"
    all_na = by_id(score_all(general, answers(time="na", frequency="na", effort="na"), 2))["hes_general"]
    assert all_na.score is None and all_na.status == "all N/A"
