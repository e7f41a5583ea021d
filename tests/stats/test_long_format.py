"""Design-aware analysis of long-format ratings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rater.stats import RatingRow, ScaleSpec, analyse, icc, report_to_json
from rater.stats.scoring import score_scale


def rows_from(scores: dict[tuple[str, str], dict[str, float | None]], **extra) -> list[RatingRow]:
    """Rows from {(session, rater): {item: score}}."""
    return [RatingRow(s, r, item, score, **extra) for (s, r), items in scores.items()
            for item, score in items.items()]


def test_rotating_raters_give_one_way_design(study):
    report = analyse(study(n_sessions=30, raters=[f"R{i}" for i in range(1, 7)], k=3))
    scale = report.scales["all"]
    assert scale.design == "one-way"
    assert (scale.n_sessions, scale.k_raters, scale.n_sessions_dropped) == (30, 3, 0)
    assert "rotate" in scale.rule and "ascending rater-id order" in scale.rule
    assert scale.icc["ICC(A,1)"].value is not None  # still computed, columns by rater order


def test_fixed_raters_give_two_way_design(study):
    scale = analyse(study(n_sessions=25)).scales["all"]
    assert scale.design == "two-way"
    assert "same raters (R1, R2, R3)" in scale.rule
    assert scale.n_sessions == 25


def test_matches_pingouin_end_to_end(study, monkeypatch):
    pg = pytest.importorskip("pingouin")
    monkeypatch.setitem(pg.options, "round.column.CI95", None)
    rows = study(n_sessions=30, items=("a", "b", "c"), seed=4)
    frame = pd.DataFrame(rows)
    scores = frame.groupby(["session_id", "rater_id"], as_index=False)["score"].mean()
    theirs = pg.intraclass_corr(scores, targets="session_id", raters="rater_id",
                                ratings="score").set_index("Type")
    ours = analyse(rows).scales["all"].icc
    for form, result in ours.items():
        assert result.value == pytest.approx(theirs.loc[form, "ICC"], abs=1e-9)
        assert result.ci95 == pytest.approx(tuple(theirs.loc[form, "CI95"]), abs=1e-9)


def test_complete_case_versus_prorating():
    scores = {(f"S{s}", r): {"a": s + (r == "R2"), "b": s, "c": s % 3, "d": 1.0}
              for s in range(10) for r in ("R1", "R2")}
    for s in range(3):  # R2 skipped item d in three sessions
        scores[(f"S{s}", "R2")]["d"] = None
    rows = rows_from(scores)

    complete = analyse(rows).scales["all"]
    assert (complete.n_sessions, complete.n_sessions_dropped) == (7, 3)
    assert "all 4 items" in complete.rule

    prorated = analyse(rows, min_items=3).scales["all"]
    assert (prorated.n_sessions, prorated.n_sessions_dropped) == (10, 0)
    assert "at least 3 of 4" in prorated.rule

    strict = analyse(rows, min_items=4).scales["all"]
    assert strict.n_sessions == 7


def test_prorated_score_is_mean_of_scored_items_and_sum_is_scaled():
    matrix = np.array([[1.0, 2.0, np.nan, 3.0], [np.nan, np.nan, np.nan, 4.0]])
    items = ["a", "b", "c", "d"]
    mean = score_scale(matrix, items, ScaleSpec("m", items), min_items=3)
    np.testing.assert_allclose(mean.scores, [2.0, np.nan])
    total = score_scale(matrix, items, ScaleSpec("s", items, "sum"), min_items=3)
    np.testing.assert_allclose(total.scores, [8.0, np.nan])
    assert "prorated sum" in total.rule
    complete = score_scale(matrix, items, ScaleSpec("s", items, "sum"))
    assert np.isnan(complete.scores).all()


def test_sum_scale_with_recode():
    recode = {0: 0, 1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2}
    spec = ScaleSpec("severity", ["a", "b", "c"], "sum", recode)
    raw = {("S1", "R1"): (0, 3, 6), ("S1", "R2"): (1, 4, 4), ("S2", "R1"): (2, 2, 2),
           ("S2", "R2"): (5, 6, 0), ("S3", "R1"): (3, 3, 3), ("S3", "R2"): (6, 6, 6)}
    rows = [RatingRow(s, r, item, v) for (s, r), values in raw.items()
            for item, v in zip("abc", values, strict=True)]
    # Recoded sums: S1: 0+1+2=3 | 1+2+2=5; S2: 1+1+1=3 | 2+2+0=4; S3: 3 | 6.
    expected = np.array([[3.0, 5.0], [3.0, 4.0], [3.0, 6.0]])
    result = analyse(rows, scales=[spec]).scales["severity"]
    assert result.method == "sum"
    assert result.icc["ICC(C,1)"].value == pytest.approx(icc(expected)["ICC(C,1)"].value)
    matrix = np.array([raw[key] for key in sorted(raw)], dtype=float)
    scored = score_scale(matrix, ["a", "b", "c"], spec)
    np.testing.assert_allclose(scored.scores, [3, 5, 3, 4, 3, 6])
    assert "after recoding" in scored.rule


def test_zero_variance_scale_gives_none_with_reasons():
    rows = rows_from({(f"S{s}", r): {"a": 2.0, "b": 2.0} for s in range(6) for r in ("R1", "R2")})
    result = analyse(rows).scales["all"]
    assert result.icc["ICC(1,1)"].value is None
    assert result.cronbach.value is None
    assert result.krippendorff_interval.value is None
    data = report_to_json(analyse(rows))
    json.dumps(data, allow_nan=False)
    entry = data["scales"]["all"]
    assert entry["cronbach_alpha"] is None and entry["krippendorff_alpha_interval"] is None
    notes = " ".join(entry["notes"])
    assert "zero variance" in notes and "ICC(1,1)" in notes and "identical" in notes


def test_sessions_with_fewer_raters_are_dropped_and_counted(study):
    rows = study(n_sessions=20)
    short = {f"S{s}" for s in range(1, 6)}
    rows = [row for row in rows if not (row.session_id in short and row.rater_id == "R3")]
    result = analyse(rows).scales["all"]
    assert (result.k_raters, result.n_sessions, result.n_sessions_dropped) == (3, 15, 5)
    assert "5 session(s) with fewer than 3 scored ratings dropped" in result.rule


def test_sessions_with_more_raters_keep_the_first_k(study):
    rows = study(n_sessions=12)
    extra = [row._replace(rater_id="R0", score=6.0) for row in rows
             if row.session_id == "S1" and row.rater_id == "R1"]
    plain = analyse(rows).scales["all"]
    result = analyse(rows + extra).scales["all"]
    assert (result.k_raters, result.n_sessions, result.n_sessions_truncated) == (3, 12, 1)
    assert "first 3 raters in ascending rater-id order" in result.rule
    # R0 sorts first, so session S1 keeps R0, R1, R2: the raters no longer match everywhere.
    assert result.design == "one-way" and plain.design == "two-way"


def test_no_shared_sessions_means_no_icc():
    rows = rows_from({(f"S{s}", f"R{s}"): {"a": float(s), "b": 1.0} for s in range(4)})
    result = analyse(rows).scales["all"]
    assert (result.k_raters, result.n_sessions, result.n_sessions_dropped) == (0, 0, 4)
    assert result.icc["ICC(1,1)"].value is None
    assert "no session has two or more" in result.rule


def test_scale_column_defines_mean_scales_and_items_keep_first_order(study):
    scales = {"q1": "Alliance", "q2": "Alliance", "q3": "Empathy", "q4": "Empathy"}
    report = analyse(study(n_sessions=15, scales=scales))
    assert list(report.scales) == ["Alliance", "Empathy"]
    assert report.scales["Empathy"].n_items == 2
    assert list(report.items) == ["q1", "q2", "q3", "q4"]
    item = report.items["q3"]
    assert item.kind == "item" and item.cronbach.value is None
    assert any("at least 2 items" in note for note in item.notes)


def test_cronbach_median_by_session_number(study):
    with_numbers = analyse(study(n_sessions=40, session_numbers=4)).scales["all"]
    assert with_numbers.cronbach_by_session.median is not None
    assert sorted(with_numbers.cronbach_by_session.by_session_number) == [1, 2, 3, 4]
    without = report_to_json(analyse(study(n_sessions=10)))["scales"]["all"]
    assert without["cronbach_alpha_median_by_session"] is None
    assert any("no session numbers" in note for note in without["notes"])


def test_unknown_spec_item_is_noted(study):
    report = analyse(study(n_sessions=10), scales=[ScaleSpec("X", ["q1", "q2", "zz"])])
    assert report.scales["X"].n_sessions == 0
    assert any("'zz'" in note for note in report.scales["X"].notes)


def test_row_forms_give_the_same_report(study):
    rows = study(n_sessions=12, k=2, raters=["A", "B", "C"], seed=9)
    columns = {name: [getattr(row, name) for row in rows] for name in ("session_id", "rater_id",
                                                                        "item", "score")}
    as_tuples = [tuple(row)[:4] for row in rows]
    as_dicts = [row._asdict() for row in rows]
    reference = report_to_json(analyse(rows))
    for form in (columns, as_tuples, as_dicts):
        assert report_to_json(analyse(form)) == reference


def test_invalid_scale_specs():
    with pytest.raises(ValueError):
        ScaleSpec("x", ["a"], "median")
    with pytest.raises(ValueError):
        ScaleSpec("x", [])


def test_blank_scale_column_means_one_scale_of_all_items(study):
    rows = [row._replace(scale="") for row in study(n_sessions=8)]
    assert list(analyse(rows).scales) == ["all"]
