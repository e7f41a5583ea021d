"""reliability_rows: a study's ratings and scale specs in the form rater.stats needs."""

from __future__ import annotations

import pytest

from rater.stats import StatsInputError, analyse
from rater.storage import models as m
from rater.study.reports.reliability_data import reliability_rows


def test_rows_and_specs_of_the_study(exported):
    data = reliability_rows(str(exported.db_path))
    rows, scales = data  # unpacks like a pair
    assert rows.n_ratings > 0 and rows.score.size == 2013
    specs = {spec.name: spec for spec in scales}
    assert list(specs) == ["Review", "Assignment", "Overcoming Obstacles", "HES-General", "HES-CT"]
    assert specs["Review"].items == ["rev1", "rev2", "rev3", "rev4"] and specs["Review"].method == "mean"
    assert specs["HES-General"].method == "sum" and specs["HES-General"].recode is None
    assert specs["HES-CT"].recode == {0: 0, 1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2}
    assert data.scale_sources["HES-CT"] == ("hes_ct", "hes_ct")
    assert data.item_sources["rev1"] == ("hstbs", "rev1")
    assert set(rows.rater_labels) <= {f"T1-{i:02d}" for i in range(1, 18)} | {f"T2-{i:02d}" for i in range(1, 20)}
    assert "P001#2" in set(rows.session_labels)
    assert not any(map(lambda d: d != d, rows.rating_days))  # every submitted rating has a time


def test_analysis_uses_the_instrument_scoring(exported):
    rows, scales = reliability_rows(str(exported.db_path), study_code="HWCT")
    report = analyse(rows, scales)
    assert report.scales["HES-General"].method == "sum"
    assert report.scales["Review"].k_raters == 3 and report.scales["Review"].design == "one-way"
    assert report.scales["HES-CT"].icc["ICC(1,k)"].value is None


def test_in_progress_only_on_request(study_db):
    db, study_id, _ = study_db
    submitted = reliability_rows(db, study_id).rows.score.size
    everything = reliability_rows(db, study_id, include_in_progress=True).rows.score.size
    assert everything == submitted + 3


def test_unknown_study_and_several_studies(study_db):
    db, _study_id, _ = study_db
    with pytest.raises(StatsInputError, match="no study 'NOPE'"):
        reliability_rows(db, study_code="NOPE")
    with db.transaction() as s:
        s.add(m.Study(name="Other", code="OTHER"))
    with pytest.raises(StatsInputError, match="2 studies"):
        reliability_rows(db)
    with pytest.raises(StatsInputError, match="study OTHER has no submitted ratings yet"):
        reliability_rows(db, study_code="OTHER")


def test_missing_database_file_is_not_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        reliability_rows(tmp_path / "typo.sqlite")
    assert list(tmp_path.iterdir()) == []
