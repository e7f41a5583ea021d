"""The statistics' table made directly from the study reader equals RatingTable.from_columns on the same data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sqlalchemy import select

from rater.stats import StatsInputError
from rater.stats.coded import CodedScores, NaMarks
from rater.storage import models as m
from rater.study.reports.reliability_data import reliability_rows

from .helpers import rate_second_version


def _from_columns(table):
    """The same rows through RatingTable.from_columns, from their labels."""
    from rater.stats import RatingTable

    session = table.session_labels[table.rating_session[table.rating]]
    return RatingTable.from_columns(
        session_id=session, rater_id=table.rater_labels[table.rating_rater[table.rating]],
        item=table.item_labels[table.item], score=table.score,
        session_number=table.session_number[table.rating_session[table.rating]],
        scale=np.where(table.item_scale[table.item] >= 0,
                       table.scale_labels[np.maximum(table.item_scale[table.item], 0)], None),
        submitted_at=table.rating_days[table.rating], na=table.na)


def test_direct_table_equals_from_columns(study_db):
    db, study_id, _ = study_db
    table = reliability_rows(db, study_id, include_in_progress=True).rows
    other = _from_columns(table)
    # The row codes are compared as whole arrays, however each table holds them.
    names = [f.name for f in dataclasses.fields(table) if f.name != "codes"] + ["item", "rating"]
    for name in names:
        mine, theirs = getattr(table, name), getattr(other, name)
        if name == "scale_labels":  # from_columns keeps only the scales that occur
            assert list(mine[:theirs.size]) == list(theirs)
            continue
        assert mine is not None and theirs is not None, name
        if mine.dtype.kind == "f":
            np.testing.assert_array_equal(mine, theirs, err_msg=name)
        else:
            assert mine.tolist() == theirs.tolist(), name


def test_two_versions_rated_by_one_rater_are_reported(study_db):
    db, study_id, _ = study_db
    with db.transaction() as s:
        # Copy one rating's scores onto the same rater's rating of another instrument version.
        rating = s.scalars(select(m.Rating).where(m.Rating.submitted_at.is_not(None)).limit(1)).one()
        rate_second_version(s, rating)
    with pytest.raises(StatsInputError, match="duplicate score for session"):
        reliability_rows(db, study_id)


def test_scan_and_join_read_the_same_scores(study_db, monkeypatch):
    from rater.study.reports import scores_read

    db, study_id, _ = study_db
    read = {}
    for share in (0.0, 2.0):  # 0: always scan all item scores; 2: always join
        monkeypatch.setattr(scores_read, "SCAN_SHARE", share)
        read[share] = reliability_rows(db, study_id).rows
    scan, join = read[0.0], read[2.0]
    for name in ("score", "item", "rating", "na", "rating_days"):
        np.testing.assert_array_equal(getattr(scan, name), getattr(join, name), err_msg=name)


def test_table_uses_the_readers_arrays_without_copies(study_db):
    from rater.export.dataset import load_study

    db, study_id, _ = study_db
    data = load_study(db, study_id)
    table = data.reliability_data().rows
    scores = data.scores
    # Item scores are small integers: both score and N/A flags read the reader's one byte per score.
    assert isinstance(table.score, CodedScores) and isinstance(table.na, NaMarks)
    for mine, theirs in ((table.score, scores.value), (table.na, scores.na)):
        assert mine.codes is theirs.codes and mine.dtype == theirs.dtype
        with pytest.raises(TypeError):
            mine[0] = 0  # the statistics cannot change what the export writes
    for mine, theirs in ((table.codes.starts, scores.starts), (table.codes.raw_item, scores.item)):
        assert np.shares_memory(mine, theirs) and mine.dtype == theirs.dtype
        with pytest.raises(ValueError, match="read-only"):
            mine[0] = 0
    # Nothing else the table holds is per item score.
    per_score = [name for name, value in vars(table).items()
                 if isinstance(value, np.ndarray | CodedScores | NaMarks) and value.size == scores.n_scores]
    assert sorted(per_score) == ["na", "score"]
