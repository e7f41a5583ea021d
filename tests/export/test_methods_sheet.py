"""The Methods sheet: the paragraph generated from the study's own design and figures."""

from __future__ import annotations

from rater.export.dataset import load_study
from rater.export.exporter import study_reliability
from rater.export.methods_table import methods_context
from rater.stats.methods import methods_text
from rater.storage import open_database

from .conftest import N_PATIENTS
from .helpers import sheet_rows


def test_methods_paragraph_is_made_from_the_study(exported, workbook):
    rows = {r["section"]: r["text"] for r in sheet_rows(workbook["Methods"])}
    db = open_database(exported.db_path)
    try:
        data = load_study(db, exported.study_id)
        reliability = study_reliability(data)
        context = methods_context(data)
    finally:
        db.close()
    paragraph = rows["methods paragraph"]
    assert paragraph == methods_text(reliability.report, context)
    assert context.n_patients == N_PATIENTS and f"of {N_PATIENTS} patients" in paragraph
    assert "Team 1: 3 raters per session (hstbs)" in paragraph
    assert "no rater rated more than one session of the same patient" in paragraph
    headline = reliability.report.scales["Assignment"].headline
    assert headline.form in paragraph and f"{headline.value:.2f}".lstrip("0") in paragraph
    assert "N/A" in rows["scoring rules"]


def test_a_study_without_ratings_says_why(empty_study, tmp_path):
    from openpyxl import load_workbook

    from rater.export import export_study

    db, study_id = empty_study
    export_study(db, study_id, xlsx=tmp_path / "empty.xlsx")
    rows = {r["section"]: r["text"] for r in sheet_rows(load_workbook(tmp_path / "empty.xlsx")["Methods"])}
    assert rows["methods paragraph"].startswith("No reliability can be reported yet: ")
    assert "no submitted ratings" in rows["methods paragraph"]


def test_codebook_states_each_scales_missing_data_rule(exported):
    from datetime import datetime

    from rater.export.codebook import codebook_tables

    db = open_database(exported.db_path)
    try:
        data = load_study(db, exported.study_id)
        tables = {t.key: t for t in codebook_tables(data, data.counts(), datetime(2024, 1, 1), [])}
    finally:
        db.close()
    scales = tables["codebook_scales"]
    column = scales.header.index("missing_data_rule")
    rules = {row[2]: row[column] for row in scales.iter_rows()}
    assert rules["assignment"] == "at least 75% of the items scored (6 of 7)"
    assert rules["hes_general"] == "all 3 items scored"


def test_command_line_input_has_the_same_context(exported):
    from rater.export.methods_table import study_methods_input

    db = open_database(exported.db_path)
    try:
        rel, context = study_methods_input(db, exported.study_id)
        data = load_study(db, exported.study_id)
    finally:
        db.close()
    assert context == methods_context(data) and rel.rows.score.size == data.scores.n_scores
