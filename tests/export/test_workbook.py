"""The pooled workbook: real cell values, types and layout, read back with openpyxl."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime

import pytest

from rater import __version__
from rater.instruments.scoring import SCORING_RULES
from rater.stats import ICC_FORMS, analyse
from rater.storage import open_database
from rater.study.reports.reliability_data import reliability_rows

from .conftest import score_for
from .helpers import header, sheet_rows

SHEETS = ["Codebook", "Ratings long", "Ratings wide", "Session means", "Reliability", "Item reliability",
          "Exclusions", "Methods", "Raters", "Rater bias", "Homework log", "Marks", "No anchor fits"]
ASSIGNMENT_ITEMS = ["asg1", "asg2", "asg3", "asg4", "asg5", "asg6", "asg7"]


def test_sheets_in_order_with_bold_frozen_filtered_headers(workbook):
    assert workbook.sheetnames == SHEETS
    for name in SHEETS[1:]:
        ws = workbook[name]
        assert ws.freeze_panes == "A2", name
        assert ws["A1"].font.b, name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        assert ws.column_dimensions["A"].width >= 6, name
    codebook = workbook["Codebook"]
    assert codebook["A1"].value == "About this export" and codebook["A1"].font.b


def test_a_known_item_score_in_ratings_long(workbook):
    rows = sheet_rows(workbook["Ratings long"])
    row = next(r for r in rows if (r["patient"], r["session_number"], r["item"]) == ("P003", 2, "asg3"))
    rater = int(row["rater"].split("-")[1])
    assert row["value"] == score_for(3, 2, rater, ASSIGNMENT_ITEMS.index("asg3") + 4, "hstbs")
    assert isinstance(row["value"], int) and row["na"] is False
    assert (row["study"], row["team"], row["instrument"], row["instrument_version"]) == ("HWCT", "Team 1", "hstbs",
                                                                                         "1.1")
    assert isinstance(row["submitted_at"], datetime)


def test_recoded_values_follow_the_scale_recode(workbook):
    rows = [r for r in sheet_rows(workbook["Ratings long"]) if r["instrument"] == "hes_ct"]
    assert rows and all(r["value"] == 0 and r["recoded"] == 0 for r in rows)
    general = [r for r in sheet_rows(workbook["Ratings long"]) if r["instrument"] == "hes_general"]
    assert all(r["recoded"] == r["value"] for r in general)


def test_scale_scores_in_wide_follow_the_instrument(workbook):
    rows = sheet_rows(workbook["Ratings wide"])
    row = next(r for r in rows if (r["patient"], r["session_number"]) == ("P004", 3) and r["instruments"] == "hstbs 1.1")
    rater = int(row["rater"].split("-")[1])
    expected = [score_for(4, 3, rater, 4 + i, "hstbs") for i in range(7)]
    assert [row[item] for item in ASSIGNMENT_ITEMS] == expected
    assert row["assignment_score"] == pytest.approx(sum(expected) / 7)
    hes = next(r for r in rows if (r["patient"], r["session_number"]) == ("P004", 3) and "hes_general" in r["instruments"])
    assert hes["hes_general_score"] == hes["time"] + hes["frequency"] + hes["effort"]
    assert hes["hes_ct_score"] == 0 and hes["assignment_score"] is None


def test_review_is_blank_in_session_one(workbook):
    rows = [r for r in sheet_rows(workbook["Ratings wide"]) if r["session_number"] == 1]
    assert rows and all(r["rev1"] is None and r["review_score"] is None for r in rows)


def test_session_means_are_the_mean_of_the_raters_scores(workbook):
    wide = defaultdict(list)
    for r in sheet_rows(workbook["Ratings wide"]):
        wide[(r["patient"], r["session_number"])].append(r)
    means = sheet_rows(workbook["Session means"])
    assert len(means) == len(wide)
    checked = 0
    for row in means:
        raters = wide[(row["patient"], row["session_number"])]
        for scale in ("review", "assignment", "obstacles", "hes_general", "hes_ct"):
            scores = [r[f"{scale}_score"] for r in raters if r[f"{scale}_score"] is not None]
            assert row[f"{scale}_n"] == len(scores)
            if scores:
                assert row[f"{scale}_mean"] == pytest.approx(sum(scores) / len(scores))
                checked += 1
            else:
                assert row[f"{scale}_mean"] is None
    assert checked > 100


def test_reliability_cells_equal_the_statistics_module(exported, workbook):
    db = open_database(exported.db_path)
    try:
        rows, scales = reliability_rows(db, exported.study_id)
    finally:
        db.close()
    report = analyse(rows, scales)
    sheet = {r["scale"]: r for r in sheet_rows(workbook["Reliability"])}
    assert set(sheet) == set(report.scales)
    for name, result in report.scales.items():
        row = sheet[name]
        assert (row["n_sessions"], row["k_raters"], row["design"]) == (result.n_sessions, result.k_raters,
                                                                      result.design)
        assert row["rule"] == result.rule
        for form in ICC_FORMS:
            icc = result.icc[form]
            assert row[form] == (pytest.approx(icc.value, abs=1e-12) if icc.value is not None else None)
            assert row[f"{form} CI low"] == (pytest.approx(icc.ci95[0]) if icc.ci95[0] is not None else None)
            assert row[f"{form} df1"] == icc.df1
        if result.cronbach.value is not None:
            assert row["cronbach_alpha"] == pytest.approx(result.cronbach.value)
    assert sheet["Assignment"]["ICC(1,k)"] > 0.5 and sheet["Assignment"]["headline"] == "ICC(1,k)"
    items = {r["item"]: r for r in sheet_rows(workbook["Item reliability"])}
    assert items["asg1"]["ICC(1,k)"] == pytest.approx(report.items["asg1"].icc["ICC(1,k)"].value)
    assert items["asg1"]["instrument"] == "hstbs"


def test_zero_variance_scale_is_blank_with_the_reason(workbook):
    row = next(r for r in sheet_rows(workbook["Reliability"]) if r["scale"] == "HES-CT")
    blank = ["ICC(1,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)", "cronbach_alpha", "krippendorff_interval"]
    assert all(row[col] is None for col in blank)
    assert "zero variance" in row["notes"] and "ICC(1,k)" in row["notes"]
    assert "identical" in row["notes"]


def test_no_cell_is_nan_or_infinite(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, float):
                    assert math.isfinite(value), ws.title
                if isinstance(value, str):
                    assert value.lower() not in ("nan", "inf", "-inf"), ws.title


def test_dates_are_date_cells(workbook):
    ws = workbook["Ratings long"]
    columns = header(ws)
    submitted = ws.cell(row=2, column=columns.index("submitted_at") + 1)
    assert submitted.is_date and isinstance(submitted.value, datetime)
    means = workbook["Session means"]
    dated = next(row[3] for row in means.iter_rows(min_row=2) if row[1].value == "P001" and row[2].value == 2)
    assert dated.is_date and dated.number_format == "yyyy-mm-dd" and dated.value == datetime(2024, 3, 5)
    assert isinstance(workbook["Homework log"]["H2"].value, datetime)


def test_text_that_looks_like_a_formula_stays_text(workbook):
    ws = workbook["Ratings long"]
    notes = [row[12] for row in ws.iter_rows(min_row=2) if row[12].value]
    assert notes and all(c.data_type == "s" and c.value.startswith("=SUM") for c in notes)


def test_in_progress_ratings_only_on_request(exported, workbook, study_db, tmp_path):
    patient, number, rater = exported.built.in_progress  # its hes_general rating was never submitted
    key = (patient, number, rater, "hes_general")

    def of(r):
        return (r["patient"], r["session_number"], r["rater"], r["instrument"])

    long = sheet_rows(workbook["Ratings long"])
    assert not [r for r in long if of(r) == key]
    from rater.export import export_study

    db, study_id, _ = study_db
    export_study(db, study_id, xlsx=tmp_path / "all.xlsx", include_in_progress=True)
    from openpyxl import load_workbook

    rows = sheet_rows(load_workbook(tmp_path / "all.xlsx", read_only=True)["Ratings long"])
    mine = [r for r in rows if of(r) == key]
    assert mine and all(r["submitted_at"] is None for r in mine)
    assert len(rows) == len(long) + 3


def test_codebook_describes_instruments_design_and_export(workbook):
    values = [row for row in workbook["Codebook"].iter_rows(values_only=True)]
    about = {row[0]: row[1] for row in values if row[0] and row[1] is not None}
    assert about["software"] == f"Session Rater {__version__}"
    assert isinstance(about["exported at (UTC)"], datetime)
    assert about["scale scores (wide sheet, session means)"] == SCORING_RULES
    assert "ICC(1,k)" in about["ICC headline"] and "McGraw" in about["ICC confidence intervals"]
    flat = [cell for row in values for cell in row if isinstance(cell, str)]
    assert "0->0; 1-3->1; 4-6->2; other values unchanged" in flat  # HES-CT recode
    assert "sessions 2 and later" in flat  # Review applicability
    assert "Review is not rated in session 1: no homework had been assigned yet." in flat
    assert "0 = Not at all; 1 = A little; 2 = Somewhat; 3 = Quite a bit; 4 = Considerable" in flat
    design = [row for row in values if row[0] in ("Team 1", "Team 2") and row[4]]
    assert {(row[0], row[4], row[6]) for row in design} == {("Team 1", "hstbs", "1-4"),
                                                            ("Team 2", "hes_general", "2-5"),
                                                            ("Team 2", "hes_ct", "2-5")}
    assert all(row[2] == 3 for row in design)
    assert ("Ratings long", "submitted_at") in {(row[0], row[1]) for row in values}


def test_raters_sheet_counts_and_marks_and_homework(workbook):
    raters = {r["rater"]: r for r in sheet_rows(workbook["Raters"])}
    assert len(raters) == 36
    assert sum(r["submitted"] for r in raters.values()) == sum(r["assigned"] for r in raters.values()) - 1
    assert all(r["assigned"] == r["not_started"] + r["in_progress"] + r["submitted"] for r in raters.values())
    bias = sheet_rows(workbook["Rater bias"])
    assert {b["scale"] for b in bias} >= {"Review", "Assignment", "HES-General"}
    marks = sheet_rows(workbook["Marks"])
    assert {(m["position"], m["position_s"]) for m in marks} == {("12:41", 761)}
    homework = sheet_rows(workbook["Homework log"])
    assert [h["session_number"] for h in homework] == [1, 2, 3, 4, 5]
    assert homework[1]["description"] == "Thought records after session 2"


def test_evidence_marks_and_no_anchor_ticks_are_exported_with_their_item(workbook):
    marks = sheet_rows(workbook["Marks"])
    assert marks and {(m["item"], m["evidence"], m["text"]) for m in marks} == {
        ("asg1", "+", "therapist assigns thought record")}
    ticks = sheet_rows(workbook["No anchor fits"])
    assert ticks and {(t["patient"], t["session_number"], t["instrument"], t["item"], t["note"]) for t in ticks} == {
        ("P001", 2, "hstbs", "asg1", "assigned twice, neither anchor fits")}
    assert all(isinstance(t["score"], int) for t in ticks)
