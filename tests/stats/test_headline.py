"""The named headline per scale, the random-effects entry, caveats, warnings and exclusions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rater.stats import RatingRow, ScaleSpec, analyse, report_to_json
from rater.stats.mixed import random_effects_icc
from rater.stats.text_report import format_report

RE_KEYS = {"method", "var_session", "var_rater", "var_residual", "icc_single", "icc_average", "k",
           "ci95_single", "ci95_average", "n_sessions", "n_ratings", "n_raters"}


def _rows(n_sessions, ratings_per_session, pool=6, seed=0, number_of=None):
    """One item "q" per rating; ``ratings_per_session(s)`` gives each session's count."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_sessions):
        level = rng.normal(2, 1)
        for r in rng.choice(pool, ratings_per_session(s), replace=False):
            rows.append(RatingRow(f"S{s}", f"R{r}", "q", float(np.clip(np.round(level + rng.normal(0, .5)), 0, 4)),
                                  session_number=number_of(s) if number_of else None))
    return rows


def test_rotating_raters_with_equal_k_headline_icc_1k_with_the_caveat():
    scale = analyse(_rows(40, lambda s: 3), include_items=False).scales["all"]
    assert scale.design == "one-way"
    assert scale.headline.form == "ICC(1,k)"
    assert scale.headline.value == scale.icc["ICC(1,k)"].value
    assert scale.headline.ci95 == scale.icc["ICC(1,k)"].ci95
    assert "exactly 3 scored ratings" in scale.headline.why
    assert any("depend on that order" in c for c in scale.caveats)
    assert scale.warnings == ()


def test_same_raters_everywhere_headline_icc_ak_without_caveat(study):
    scale = analyse(study(n_sessions=35)).scales["all"]
    assert scale.design == "two-way"
    assert scale.headline.form == "ICC(A,k)"
    assert scale.headline.value == scale.icc["ICC(A,k)"].value
    assert scale.caveats == ()


def test_incomplete_design_headlines_the_random_effects_icc_on_every_rating():
    rows = _rows(60, lambda s: (3, 3, 2, 4)[s % 4])  # 2, 3 and 4 ratings per session
    scale = analyse(rows, include_items=False).scales["all"]
    re = scale.random_effects
    assert scale.headline.form == "RE ICC(A,k)"
    assert scale.headline.value == re.icc_average and scale.headline.ci95 == re.ci95_average
    assert re.n_ratings == len(rows) and re.n_sessions == 60
    assert re.k == pytest.approx(60 / (15 / 2 + 30 / 3 + 15 / 4))
    # The same fit as calling the model directly on the scale scores.
    s = np.unique([r.session_id for r in rows], return_inverse=True)[1]
    r = np.unique([r.rater_id for r in rows], return_inverse=True)[1]
    direct = random_effects_icc(np.array([row.score for row in rows]), s, r)
    assert re.var_session == pytest.approx(direct.var_session, rel=1e-5)
    # The ANOVA forms dropped the 2-rating sessions and cut the 4-rating ones; the RE fit kept all.
    assert {x.reason for x in scale.exclusions} == {"too few ratings"}
    assert len(scale.exclusions) == 15 and scale.exclusions_random_effects == ()
    assert scale.n_sessions_truncated == 15
    assert "incomplete" in scale.headline.why


def test_sessions_where_the_scale_does_not_apply_do_not_make_the_design_incomplete():
    rows = _rows(45, lambda s: 3, number_of=lambda s: 1 + s % 3)
    spec = ScaleSpec("Review", ["q"], session_min=2)
    scale = analyse(rows, [spec], include_items=False).scales["Review"]
    assert scale.headline.form == "ICC(1,k)"
    assert {x.reason for x in scale.exclusions} == {"not applicable"}
    assert len(scale.exclusions) == 15


def test_few_sessions_and_non_convergence_are_stated():
    scale = analyse(_rows(12, lambda s: 2 + s % 2), include_items=False).scales["all"]
    assert any("fewer than 30" in w and "ANOVA" in w for w in scale.warnings)
    assert any("fewer than 30" in w and "random-effects" in w for w in scale.warnings)


def test_single_rater_gives_reasons_not_numbers():
    rows = [RatingRow(f"S{s}", "R1", "q", float(s % 4)) for s in range(40)]
    scale = analyse(rows, include_items=False).scales["all"]
    assert scale.random_effects.icc_single is None
    assert "at least 2 raters" in scale.random_effects.reason
    assert scale.headline.value is None
    assert any(n.startswith("random_effects:") for n in scale.notes)


def test_json_has_the_shapes_the_report_promises():
    data = report_to_json(analyse(_rows(40, lambda s: 2 + s % 3)))
    json.dumps(data, allow_nan=False)
    for entry in [*data["scales"].values(), *data["items"].values()]:
        assert set(entry["random_effects"]) == RE_KEYS
        assert set(entry["headline"]) == {"form", "value", "ci95", "why"}
        for level in ("nominal", "ordinal", "interval", "ratio"):
            assert isinstance(entry[f"krippendorff_alpha_{level}"], float)
        assert all(set(x) == {"session", "reason", "ratings", "scored"} for x in entry["exclusions"])
    scale = data["scales"]["all"]
    assert scale["headline"]["value"] == scale["random_effects"]["icc_average"]
    assert "Wald" in data["random_effects_ci_method"]


def test_text_report_leads_with_the_headline():
    text = format_report(analyse(_rows(40, lambda s: 2 + s % 3)))
    first = text.splitlines()[:3]
    assert first[0] == "Headline ICC per scale"
    assert first[1].strip().startswith("all: RE ICC(A,k) = ")
    assert "random effects (REML, every scored rating" in text


def test_an_unanswered_item_of_a_rated_instrument_counts_as_missing():
    rows = [RatingRow(r.session_id, r.rater_id, item, r.score)
            for r in _rows(30, lambda s: 3) for item in ("q1", "q2")]
    dropped = rows.pop(1)  # the first rating has q1 but no row for q2
    assert dropped.item == "q2"
    spec = ScaleSpec("A", ["q1", "q2"], rated_with=["q1", "q2"])
    item = analyse(rows, [spec]).items["q2"]
    assert item.counts["ratings"] == 90 and item.counts["ratings_missing_items"] == 1
