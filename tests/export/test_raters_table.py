"""The Raters sheet's counts and submission dates, checked against the database itself.

Every cell is compared with one join over all of the study's assignments and
their ratings (the sheet's definition: every study assignment counts, exported
or not), for a rater with assignments in every status, a rater whose submitted
rating has no item scores (so the export does not hold it), and everyone else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from rater.export.dataset import load_study
from rater.export.record_tables import raters_table
from rater.storage import models as m
from rater.study.reports import scores_read
from rater.study.setup.coordination import reopen_rating

STATUSES = ("not_started", "in_progress", "submitted")


def _expected(db, study_id) -> dict[str, tuple]:
    """Rater code -> (assigned, not started, in progress, submitted, first, last) by one join."""
    with db.reading() as s:
        rows = s.execute(
            select(m.Rater.code, m.Assignment.status, func.count(), func.min(m.Rating.submitted_at),
                   func.max(m.Rating.submitted_at))
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .outerjoin(m.Rating, m.Rating.assignment_id == m.Assignment.id)
            .where(m.Assignment.study_id == study_id, m.Assignment.purpose == "study")
            .group_by(m.Rater.code, m.Assignment.status)).all()
    per: dict[str, dict] = {}
    for code, status, n, first, last in rows:
        entry = per.setdefault(code, {"times": []})
        entry[status] = n
        entry["times"] += [t for t in (first, last) if t is not None]
    return {code: (sum(e.get(k, 0) for k in STATUSES), *(e.get(k, 0) for k in STATUSES),
                   min(e["times"], default=None), max(e["times"], default=None)) for code, e in per.items()}


def _sheet(db, study_id, include_in_progress: bool) -> dict[str, tuple]:
    table = raters_table(load_study(db, study_id, include_in_progress), [])
    names = [c.name for c in table.columns]
    rows = [dict(zip(names, row, strict=True)) for row in table.rows()]
    return {r["rater"]: (r["assigned"], *(r[k] for k in STATUSES), r["first_submitted"], r["last_submitted"])
            for r in rows}


def _assignments(s, code: str) -> list[m.Assignment]:
    return s.scalars(select(m.Assignment).join(m.Rater, m.Rater.id == m.Assignment.rater_id)
                     .where(m.Rater.code == code, m.Assignment.status == "submitted")
                     .order_by(m.Assignment.id)).all()


@pytest.mark.parametrize("fast", [True, False], ids=["counted by the read", "counted by SQL"])
@pytest.mark.parametrize("include_in_progress", [False, True])
def test_raters_sheet_matches_the_assignments(study_db, include_in_progress, fast, monkeypatch):
    monkeypatch.setattr(scores_read, "FAST_SQLITE", fast)
    db, study_id, _ = study_db
    with db.transaction() as s:
        first, second, third = _assignments(s, "T1-01")[:3]
        # Not started: its rating is gone, as for an assignment never opened.
        s.delete(s.scalar(select(m.Rating).where(m.Rating.assignment_id == first.id)))
        first.status = "not_started"
        reopen_id = second.id
        # The earliest submission of the study, so a missed rating would change the first date.
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == third.id))
        rating.submitted_at = datetime(2020, 2, 3, 4, 5, 6, 789_000)
        # A submitted rating without item scores is not exported, but still counts here.
        other = _assignments(s, "T2-02")[0]
        empty = s.scalar(select(m.Rating).where(m.Rating.assignment_id == other.id))
        for score in list(empty.scores):
            s.delete(score)
        empty.submitted_at = datetime(2019, 1, 1, 12, 0, 0)
    reopen_rating(db, reopen_id, "second look at the recording")

    expected = _expected(db, study_id)
    assert (load_study(db, study_id, include_in_progress).scores.workload is not None) == fast
    got = _sheet(db, study_id, include_in_progress)
    assert got == {code: expected.get(code, (0, 0, 0, 0, None, None)) for code in got}
    assigned, not_started, in_progress, submitted, first_at, last_at = got["T1-01"]
    assert not_started >= 1 and in_progress >= 1 and submitted >= 1
    assert assigned == not_started + in_progress + submitted
    assert first_at == datetime(2020, 2, 3, 4, 5, 6, 789_000) and last_at > first_at
    assert got["T2-02"][4] == datetime(2019, 1, 1, 12, 0, 0)


def test_a_rater_without_assignments_has_empty_counts(study_db):
    db, study_id, _ = study_db
    with db.transaction() as s:
        s.add(m.Rater(study_id=study_id, code="T9-01", name="New rater"))
    got = _sheet(db, study_id, False)
    assert got["T9-01"] == (0, 0, 0, 0, None, None)
    assert timedelta(0) <= got["T1-01"][5] - got["T1-01"][4]
