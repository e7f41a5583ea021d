"""One rating, one score: the live form score, the workbook's and the statistics' agree,
and N/A, not applicable and missing are counted apart."""

from __future__ import annotations

import math

import numpy as np
import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from rater.export import export_study
from rater.instruments.scoring import score_all
from rater.stats import analyse, report_to_json
from rater.stats.scoring import item_matrix, na_matrix, present_matrix, score_scale
from rater.storage import models as m
from rater.study.rating.workstation import Workstation
from rater.study.reports.reliability_data import reliability_rows

from .helpers import sheet_rows


def _ratings_of(s, patient: str, number: int, key: str) -> list[tuple[str, str, str, str]]:
    """(assignment id, rater id, rater code, rating id) of a session's submitted ratings on ``key``."""
    return [tuple(r) for r in s.execute(
        select(m.Assignment.id, m.Rater.id, m.Rater.code, m.Rating.id)
        .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
        .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)
        .join(m.Session, m.Session.id == m.Assignment.session_id)
        .join(m.Patient, m.Patient.id == m.Session.patient_id)
        .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
        .where(m.Patient.code == patient, m.Session.number == number, m.InstrumentRecord.key == key,
               m.Rating.submitted_at.is_not(None))
        .order_by(m.Rater.code)).all()]


@pytest.fixture
def gappy(study_db, tmp_path):
    """P003 session 2, Assignment (7 items, scored from 6): one rating with an item N/A,
    one with an item missing, one with two missing. Exported to a workbook."""
    db, study_id, _built = study_db
    with db.transaction() as s:
        ratings = _ratings_of(s, "P003", 2, "hstbs")
        assert len(ratings) == 3
        (_a1, _r1, _c1, na_rating), (_a2, _r2, _c2, one_gap), (_a3, _r3, _c3, two_gaps) = ratings
        s.execute(update(m.ItemScore).where(m.ItemScore.rating_id == na_rating, m.ItemScore.item_id == "asg7")
                  .values(value=None, is_na=True))
        s.execute(delete(m.ItemScore).where(m.ItemScore.rating_id == one_gap, m.ItemScore.item_id == "asg6"))
        s.execute(delete(m.ItemScore).where(m.ItemScore.rating_id == two_gaps,
                                            m.ItemScore.item_id.in_(["asg5", "asg6"])))
    xlsx = tmp_path / "out.xlsx"
    export_study(db, study_id, xlsx=xlsx)
    return db, study_id, ratings, xlsx


def _form_score(db, assignment_id: str, rater_id: str, scale_id: str) -> float | None:
    """What the rating form shows: the scores of the responses it loads (FormState.scores)."""
    view = Workstation(db).open(assignment_id, rater_id)
    return next(sc for sc in score_all(view.instrument, view.responses, view.session_number)
                if sc.scale_id == scale_id).score


def _stats_scores(db, study_id: str, scale: str) -> dict[tuple[str, str], float]:
    """(session label, rater code) -> the score the statistics computed for that rating."""
    data = reliability_rows(db, study_id)
    table, spec = data.rows, next(sp for sp in data.scales if sp.name == scale)
    numbers = table.session_number[table.rating_session]
    scored = score_scale(item_matrix(table), [str(x) for x in table.item_labels], spec, na=na_matrix(table),
                         session_number=numbers, present=present_matrix(table))
    return {(str(table.session_labels[table.rating_session[r]]), str(table.rater_labels[table.rating_rater[r]])):
            float(scored.scores[r]) for r in range(table.n_ratings)}


def test_form_workbook_and_statistics_give_one_score(gappy):
    db, study_id, ratings, xlsx = gappy
    wide = {(r["patient"], r["session_number"], r["rater"]): r
            for r in sheet_rows(load_workbook(xlsx, read_only=True)["Ratings wide"]) if r["instruments"]
            and r["instruments"].startswith("hstbs")}
    stats = _stats_scores(db, study_id, "Assignment")
    seen = []
    for assignment_id, rater_id, code, _rating in ratings:
        form = _form_score(db, assignment_id, rater_id, "assignment")
        sheet = wide[("P003", 2, code)]["assignment_score"]
        statistic = stats[("P003#2", code)]
        if form is None:
            assert sheet is None and math.isnan(statistic)
        else:
            assert sheet == pytest.approx(form, abs=1e-12) and statistic == pytest.approx(form, abs=1e-12)
        seen.append(form)
    # N/A left out (mean of 6), one missing still scored (6 of 7), two missing not scored.
    assert seen[0] is not None and seen[1] is not None and seen[2] is None
    statuses = [wide[("P003", 2, code)]["assignment_status"] for _a, _r, code, _rt in ratings]
    assert statuses == ["scored", "scored", "missing items"]
    first = [r for key, r in wide.items() if key[1] == 1]
    assert first and all(r["review_status"] == "not applicable" and r["review_score"] is None for r in first)
    assert all(r["assignment_status"] == "scored" for r in first)


def test_session_means_use_the_same_scores(gappy):
    db, study_id, ratings, xlsx = gappy
    forms = [_form_score(db, a, r, "assignment") for a, r, _c, _rt in ratings]
    means = {(r["patient"], r["session_number"]): r
             for r in sheet_rows(load_workbook(xlsx, read_only=True)["Session means"])}
    row = means[("P003", 2)]
    kept = [f for f in forms if f is not None]
    assert row["assignment_n"] == len(kept) == 2
    assert row["assignment_mean"] == pytest.approx(sum(kept) / len(kept))


def test_na_not_applicable_and_missing_are_counted_apart(gappy):
    db, study_id, _ratings, _xlsx = gappy
    data = reliability_rows(db, study_id)
    report = analyse(data.rows, data.scales)
    counts = report.scales["Assignment"].counts
    assert counts["item_scores_na"] == 1 and counts["item_scores_missing"] == 3
    assert counts["ratings_missing_items"] == 1 and counts["ratings_not_applicable"] == 0
    # every HSTBS rating, and none of team 2's (they did not rate HSTBS)
    hstbs_ratings = int(np.count_nonzero(~np.isnan(
        score_scale(item_matrix(data.rows), [str(x) for x in data.rows.item_labels],
                    next(sp for sp in data.scales if sp.name == "Overcoming Obstacles")).scores)))
    assert counts["ratings"] == hstbs_ratings
    review = report.scales["Review"].counts
    with db.reading() as s:
        session_one = len(s.execute(
            select(m.Rating.id).join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .where(m.Session.number == 1, m.InstrumentRecord.key == "hstbs", m.Rating.submitted_at.is_not(None))).all())
    assert session_one > 0 and review["ratings_not_applicable"] == session_one
    assert review["item_scores_na"] == 0 and review["item_scores_missing"] == 0
    entry = report_to_json(report)["scales"]["Assignment"]
    assert entry["counts"]["item_scores_na"] == 1


def test_exclusions_name_the_session_and_the_reason(gappy):
    db, study_id, _ratings, _xlsx = gappy
    data = reliability_rows(db, study_id)
    report = analyse(data.rows, data.scales)
    assignment = {e.session: e for e in report.scales["Assignment"].exclusions}
    assert assignment["P003#2"].reason == "missing items"
    assert (assignment["P003#2"].ratings, assignment["P003#2"].scored) == (3, 2)
    review = {e.session: e.reason for e in report.scales["Review"].exclusions}
    assert review and all(reason == "not applicable" for s, reason in review.items() if s.endswith("#1"))
    assert {s for s in review if s.endswith("#1")} == {
        s for s in map(str, data.rows.session_labels) if s.endswith("#1")}
    listed = report_to_json(report)["scales"]["Assignment"]["exclusions"]
    assert {"session": "P003#2", "reason": "missing items", "ratings": 3, "scored": 2} in listed


def test_exclusions_sheet_lists_each_left_out_session(gappy):
    db, study_id, _ratings, xlsx = gappy
    book = load_workbook(xlsx, read_only=True)
    rows = sheet_rows(book["Exclusions"])
    assert {"instrument": "hstbs", "kind": "scale", "name": "Assignment", "figure": "ANOVA ICC forms",
            "patient": "P003", "session_number": 2, "reason": "missing items", "ratings": 3,
            "ratings_scored": 2} in rows
    review_one = {(r["patient"], r["figure"]) for r in rows
                  if r["name"] == "Review" and r["session_number"] == 1 and r["reason"] == "not applicable"}
    data = reliability_rows(db, study_id)
    first_sessions = {str(x).split("#")[0] for x in data.rows.session_labels if str(x).endswith("#1")}
    assert review_one == {(p, f) for p in first_sessions for f in ("random effects", "ANOVA ICC forms")}


def test_reliability_sheet_leads_with_the_headline(gappy):
    db, study_id, _ratings, xlsx = gappy
    sheet = load_workbook(xlsx, read_only=True)["Reliability"]
    head = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert head[:7] == ["instrument", "scale", "headline", "headline_value", "headline_ci_low", "headline_ci_high",
                        "headline_why"]
    data = reliability_rows(db, study_id)
    report = analyse(data.rows, data.scales)
    rows = {r["scale"]: r for r in sheet_rows(sheet)}
    for name, result in report.scales.items():
        row = rows[name]
        assert row["headline"] == result.headline.form and row["headline_why"] == result.headline.why
        if result.headline.value is not None:
            assert row["headline_value"] == pytest.approx(result.headline.value, abs=1e-12)
        assert row["re_n_ratings"] == result.random_effects.n_ratings
        if result.headline.form == "RE ICC(A,k)":
            assert (row["headline_n_sessions"], row["headline_n_ratings"]) == (
                result.random_effects.n_sessions, result.random_effects.n_ratings)
        else:
            assert row["headline_n_sessions"] == result.n_sessions
        assert row["krippendorff_n_scores"] == result.krippendorff_interval.n_values
        assert (row["item_scores_na"], row["item_scores_missing"]) == (
            result.counts["item_scores_na"], result.counts["item_scores_missing"])
    # one missing item too many: P003 #2 has two scored Assignment ratings, so the ANOVA forms drop it
    assert rows["Assignment"]["sessions_dropped"] >= 1 and rows["Assignment"]["headline"] == "RE ICC(A,k)"
