"""The per-scale missing-data rule: declared in the instrument, checked on load, applied by the engine."""

from __future__ import annotations

import numpy as np
import pytest

from rater.instruments import InstrumentError, Response, load_file, load_text, score_all
from rater.instruments.model import ScoringRule
from rater.instruments.scoring import ALL_NA, MISSING_ITEMS, NOT_APPLICABLE, SCORED, score_matrix
from rater.paths import RESOURCES

SMALL = """
format = 1
id = "small"
version = "1"
name = "Small"
[[items]]
id = "a"
text = "A"
min = 0
max = 4
na_allowed = true
[[items]]
id = "b"
text = "B"
min = 0
max = 4
[[items]]
id = "c"
text = "C"
min = 0
max = 4
[[scales]]
id = "s"
name = "S"
items = ["a", "b", "c"]
method = "sum"
{rule}
"""


def small(rule: str):
    return load_text(SMALL.format(rule=rule))[0]


def test_rule_is_read_from_the_instrument_file():
    assert small("min_items = 2").scales[0].rule == ScoringRule(min_items=2)
    assert small("min_fraction = 0.5").scales[0].rule == ScoringRule(min_fraction=0.5)
    assert small("").scales[0].rule == ScoringRule()
    hstbs = load_file(RESOURCES / "instruments" / "hstbs.toml")[0]
    assert {s.id: s.rule.needed(len(s.items)) for s in hstbs.scales} == {
        "review": 3, "assignment": 6, "obstacles": 4}


@pytest.mark.parametrize(("rule", "message"), [
    ("min_items = 4", "min_items (4) is larger than the scale's 3 items"),
    ("min_items = 2\nmin_fraction = 0.5", "either min_items or min_fraction, not both"),
    ("min_fraction = 1.5", "min_fraction"),
    ("min_items = 0", "min_items"),
])
def test_a_rule_that_can_never_be_met_is_refused(rule, message):
    with pytest.raises(InstrumentError) as err:
        small(rule)
    assert any(message in str(p) for p in err.value.problems), err.value.problems


def test_needed_counts_only_items_that_are_not_na():
    assert [ScoringRule().needed(n) for n in (0, 1, 5)] == [1, 1, 5]
    assert [ScoringRule(min_items=3).needed(n) for n in (2, 3, 7)] == [2, 3, 3]
    assert [ScoringRule(min_fraction=0.8).needed(n) for n in (5, 4, 7)] == [4, 4, 6]


def test_prorated_sum_and_the_three_kinds_of_absence():
    inst = small("min_items = 2")
    score = score_all(inst, {"a": Response(is_na=True), "b": Response(3)}, None)[0]
    # a is N/A (left out), c is missing: 1 scored of the 2 applicable, rule asks 2
    assert (score.score, score.status, score.n_na, score.n_missing, score.needed) == (
        None, "incomplete", 1, 1, 2)
    score = score_all(inst, {"a": Response(is_na=True), "b": Response(3), "c": Response(1)}, None)[0]
    assert score.score == pytest.approx(6.0) and score.status == "complete"  # mean 2 × 3 items
    score = score_all(inst, {"b": Response(4), "c": Response(1)}, None)[0]
    assert score.score == pytest.approx(7.5) and (score.n_na, score.n_missing) == (0, 1)


def test_default_rule_needs_every_item_that_is_not_na():
    inst = small("")
    assert score_all(inst, {"b": Response(4), "c": Response(1)}, None)[0].score is None
    full = score_all(inst, {"a": Response(is_na=True), "b": Response(4), "c": Response(1)}, None)[0]
    assert full.score == pytest.approx(7.5)


def test_matrix_engine_statuses():
    values = np.array([[1, 2, np.nan], [np.nan, np.nan, np.nan], [np.nan, np.nan, np.nan], [4, 4, 4]])
    na = np.array([[False] * 3, [True] * 3, [False] * 3, [False] * 3])
    out = score_matrix(values, na, "mean", ScoringRule(min_items=2), np.array([True, True, True, False]))
    assert out.status.tolist() == [SCORED, ALL_NA, MISSING_ITEMS, NOT_APPLICABLE]
    assert out.scores[0] == pytest.approx(1.5) and np.isnan(out.scores[1:]).all()
    assert out.n_na.tolist() == [0, 3, 0, 0] and out.n_missing.tolist() == [1, 0, 3, 0]
