"""Crossed random-effects ICC (REML) against R lme4 fixtures, ANOVA identities and simulation."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from rater.stats import icc
from rater.stats.mixed import _Design, random_effects_icc

FIXTURES = Path(__file__).parent / "fixtures" / "reml"
LME4 = {row["name"]: row for row in csv.DictReader((FIXTURES / "lme4.csv").open())}


def _load(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = list(csv.DictReader((FIXTURES / f"{name}.csv").open()))
    session = np.unique([r["session"] for r in rows], return_inverse=True)[1]
    rater = np.unique([r["rater"] for r in rows], return_inverse=True)[1]
    score = np.array([math.nan if r["score"] == "NA" else float(r["score"]) for r in rows])
    return score, session, rater


@pytest.mark.parametrize("name", sorted(LME4))
def test_variance_components_agree_with_lme4_reml(name):
    expected = LME4[name]
    score, session, rater = _load(name)
    result = random_effects_icc(score, session, rater)
    assert result.converged and result.reason is None
    assert result.n_ratings == int(expected["n_ratings"])
    for key in ("var_session", "var_rater", "var_residual"):
        assert getattr(result, key) == pytest.approx(float(expected[key]), abs=1e-4), key


@pytest.mark.parametrize("name", sorted(LME4))
def test_reml_criterion_at_the_lme4_optimum_matches_lme4(name):
    # The deviance itself, not only its minimiser, is lme4's: REMLcrit adds (N - 1) log(2 pi).
    expected = LME4[name]
    score, session, rater = _load(name)
    keep = ~np.isnan(score)
    design = _Design(score[keep], session[keep], rater[keep])
    var = np.array([max(float(expected[k]), 1e-300) for k in
                    ("var_session", "var_rater", "var_residual")])
    criterion = design.deviance(var) + (design.N - 1) * math.log(2 * math.pi)
    assert criterion == pytest.approx(float(expected["reml_criterion"]), abs=1e-6)


def test_iccs_follow_from_the_components_and_the_harmonic_mean_k():
    score, session, rater = _load("with_singletons")
    r = random_effects_icc(score, session, rater)
    per_session = np.bincount(np.unique(session[~np.isnan(score)], return_inverse=True)[1])
    k = per_session.size / np.sum(1 / per_session)
    assert 1 in per_session and 3 in per_session  # sessions rated once still enter
    assert r.k == pytest.approx(k)
    assert r.n_sessions == per_session.size and r.n_raters == 10
    assert r.icc_single == pytest.approx(r.var_session / (r.var_session + r.var_rater
                                                          + r.var_residual))
    assert r.icc_average == pytest.approx(r.var_session / (r.var_session
                                                           + (r.var_rater + r.var_residual) / k))
    for value, (lo, hi) in ((r.icc_single, r.ci95_single), (r.icc_average, r.ci95_average)):
        assert lo < value < hi


def test_complete_two_way_design_reproduces_icc_a1_and_a_k():
    # Balanced and complete, REML variance components equal the ANOVA (moment) estimates
    # whenever those are positive, so the ICCs are McGraw & Wong's ICC(A,1) and ICC(A,k).
    rng = np.random.default_rng(7)
    n, k = 50, 4
    matrix = (rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.4, (1, k))
              + rng.normal(0, 0.6, (n, k)))
    r = random_effects_icc(matrix.ravel(), np.repeat(np.arange(n), k), np.tile(np.arange(k), n))
    forms = icc(matrix)
    assert r.var_rater > 0
    assert r.icc_single == pytest.approx(forms["ICC(A,1)"].value, abs=1e-7)
    assert r.icc_average == pytest.approx(forms["ICC(A,k)"].value, abs=1e-7)
    assert r.k == k


def test_wald_interval_covers_the_true_icc_about_95_percent_of_the_time():
    rng = np.random.default_rng(2026)
    sd_s, sd_r, sd_e = 0.9, 0.4, 0.7
    truth = sd_s**2 / (sd_s**2 + sd_r**2 + sd_e**2)
    n_sessions, pool, reps, covered = 80, 8, 200, 0
    for _ in range(reps):
        raters = np.argsort(rng.random((n_sessions, pool)), axis=1)[:, :3].ravel()
        session = np.repeat(np.arange(n_sessions), 3)
        y = (rng.normal(0, sd_s, n_sessions)[session] + rng.normal(0, sd_r, pool)[raters]
             + rng.normal(0, sd_e, session.size))
        lo, hi = random_effects_icc(y, session, raters).ci95_single
        covered += lo <= truth <= hi
    assert 0.89 <= covered / reps <= 0.99


def test_single_rater_is_refused_with_a_reason():
    r = random_effects_icc(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1]),
                           np.array([0, 0, 0, 0]))
    assert r.icc_single is None and not r.converged
    assert "at least 2 raters" in r.reason


def test_no_session_with_two_ratings_is_refused_with_a_reason():
    r = random_effects_icc(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 2]), np.array([0, 1, 2]))
    assert r.var_session is None and "two or more scored ratings" in r.reason


def test_constant_scores_have_no_variance_to_partition():
    r = random_effects_icc(np.full(6, 2.0), np.repeat(np.arange(3), 2), np.tile([0, 1], 3))
    assert r.icc_single is None and "no variance" in r.reason


def test_unscored_ratings_do_not_enter():
    score, session, rater = _load("rotating_2to4")
    full = random_effects_icc(score, session, rater)
    assert full.n_ratings == np.count_nonzero(~np.isnan(score)) < score.size


def test_fit_that_does_not_converge_says_so_and_gives_the_anova_figures():
    rng = np.random.default_rng(3)
    n, k = 40, 3
    matrix = rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.8, (n, k))
    r = random_effects_icc(matrix.ravel(), np.repeat(np.arange(n), k), np.tile(np.arange(k), n),
                           max_iterations=2)
    assert not r.converged
    assert r.var_session is None and r.icc_single is None and r.icc_average is None
    assert "did not converge" in r.reason
    # Balanced: the unbalanced one-way ANOVA reduces to ICC(1,1) and ICC(1,k).
    forms = icc(matrix)
    assert r.anova.icc_single == pytest.approx(forms["ICC(1,1)"].value, abs=1e-12)
    assert r.anova.icc_average == pytest.approx(forms["ICC(1,k)"].value, abs=1e-12)


def test_perfect_agreement_is_stated_not_fitted():
    level = np.array([4.0, 1.0, 3.0, 0.0, 2.0, 4.0])
    r = random_effects_icc(np.repeat(level, 2), np.repeat(np.arange(6), 2), np.tile([0, 1], 6))
    assert r.icc_single is None and "agree perfectly" in r.reason
    assert r.anova.icc_single == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["rotating_2to4", "with_singletons", "hstbs_like"])
@pytest.mark.parametrize("theta", [(1.0, 0.5), (0.3, 1.7), (2.0, 0.01), (0.05, 3.0)])
def test_exact_gradient_matches_finite_differences(name, theta):
    score, session, rater = _load(name)
    keep = ~np.isnan(score)
    design = _Design(score[keep], session[keep], rater[keep])
    theta = np.array(theta)
    value, grad = design.profiled_with_gradient(theta)
    assert value == design.profiled(theta)
    for i in range(2):
        step = np.zeros(2)
        step[i] = 1e-6
        numeric = (design.profiled(theta + step) - design.profiled(theta - step)) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8)
