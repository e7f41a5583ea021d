"""Synthetic studies for the statistics tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pytest

from rater.stats import RatingRow


def make_study(
    n_sessions: int = 40,
    raters: Sequence[str] = ("R1", "R2", "R3"),
    k: int | None = None,
    items: Sequence[str] = ("q1", "q2", "q3", "q4"),
    seed: int = 0,
    offsets: dict[str, float] | None = None,
    noise: float = 0.7,
    missing: float = 0.0,
    scales: dict[str, str] | None = None,
    session_numbers: int | None = None,
    with_times: bool = False,
) -> list[RatingRow]:
    """Integer item scores 0..6 around a true session level.

    With ``k`` smaller than the rater pool, each session gets k raters drawn
    at random (rotating raters); otherwise all raters rate every session.
    ``offsets`` adds a constant to a rater's scores; ``scales`` maps item to
    scale name for the ``scale`` column; ``session_numbers`` cycles session
    numbers 1..N over patients.
    """
    rng = np.random.default_rng(seed)
    offsets = offsets or {}
    start = datetime(2024, 1, 1, 9, 0)
    rows = []
    for s in range(n_sessions):
        level = rng.normal(3, 1)
        chosen = sorted(rng.choice(raters, k, replace=False)) if k else list(raters)
        for rater in chosen:
            for item in items:
                raw = level + offsets.get(rater, 0.0) + rng.normal(0, noise)
                score = None if rng.random() < missing else float(np.clip(np.round(raw), 0, 6))
                rows.append(RatingRow(
                    session_id=f"S{s + 1}", rater_id=rater, item=item, score=score,
                    patient_id=f"P{s // session_numbers + 1}" if session_numbers else None,
                    session_number=s % session_numbers + 1 if session_numbers else None,
                    scale=scales[item] if scales else None,
                    submitted_at=start + timedelta(days=s) if with_times else None,
                ))
    return rows


@pytest.fixture
def study():
    """The :func:`make_study` factory."""
    return make_study
