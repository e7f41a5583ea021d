"""The Reliability screen's plot data, computed without Qt, agree with rater.stats."""

from __future__ import annotations

import pytest

from rater.sort_keys import natural_key
from rater.study.reports.reliability_figures import compute_figures


def test_weekly_differences_average_to_each_raters_bias(study_db):
    db, study_id, _ = study_db
    figures = compute_figures(db, study_id)
    checked = 0
    for fig in figures.scales.values():
        assert list(fig.boxes) == sorted(fig.boxes, key=natural_key)
        for rater, weeks in fig.weeks.items():
            bias = fig.bias[rater]
            n = sum(w.n for w in weeks)
            # Every rating here is timed, so the weeks hold every shared session the bias used.
            assert n == bias.n_sessions
            assert sum(w.mean * w.n for w in weeks) / n == pytest.approx(bias.bias, abs=1e-9)
            checked += 1
    assert checked > 0
