"""SQLite's aggregate route and the row route read the same item scores, awkward rows included."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid

import numpy as np
import pytest
from sqlalchemy import literal_column, select

from rater.stats.coded import CodedScores, NaMarks
from rater.storage import models as m
from rater.study.reports import ratings_sqlite, scores_read, scores_sqlite
from rater.study.reports.reliability_data import study_catalog
from rater.study.reports.scores_read import StudyScores, read_scores

NOTE = 'a, "quoted"\r\nnote \x1f with 😀 and ,,'
ODD_ITEM = "x,\x1fy ünknown"


def _read(db, study_id: str, include_in_progress: bool) -> StudyScores:
    with db.reading() as s:
        catalog = study_catalog(s, study_id)
        sessions = s.scalars(select(m.Session.id).join(m.Patient).where(m.Patient.study_id == study_id)
                             .order_by(m.Patient.code, m.Session.number)).all()
        raters = s.scalars(select(m.Rater.id).where(m.Rater.study_id == study_id).order_by(m.Rater.code)).all()
        return read_scores(s, study_id, list(sessions), list(raters), [v.row_id for v in catalog.versions],
                           {v.row_id: {it.id: i for i, it in enumerate(v.model.items)} for v in catalog.versions},
                           include_in_progress)


def _both(db, study_id: str, include_in_progress: bool, monkeypatch) -> tuple[StudyScores, StudyScores]:
    read = {}
    for fast in (True, False):
        monkeypatch.setattr(scores_read, "FAST_SQLITE", fast)
        read[fast] = _read(db, study_id, include_in_progress)
    return read[True], read[False]


def _assert_same(a: StudyScores, b: StudyScores) -> None:
    for field in dataclasses.fields(StudyScores):
        if field.name == "workload":  # read along by the aggregate route only: see the Raters sheet test
            assert a.workload is not None and b.workload is None
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, CodedScores | NaMarks):  # one byte per score on both routes
            assert type(x) is type(y), field.name
            x, y = x.codes, y.codes
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, field.name
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


class _Routes:
    """Counts the chunks each route read."""

    def __init__(self, monkeypatch):
        self.parsed = self.rows = 0
        real_items, real_ratings = scores_sqlite._parsed, ratings_sqlite._parsed_ratings

        def items(*args):
            return self._count(real_items(*args))

        def ratings(*args):
            return self._count(real_ratings(*args))

        monkeypatch.setattr(scores_sqlite, "_parsed", items)
        monkeypatch.setattr(ratings_sqlite, "_parsed_ratings", ratings)

    def _count(self, chunk):
        if chunk is None:
            self.rows += 1
        else:
            self.parsed += 1
        return chunk


@pytest.mark.parametrize("include_in_progress", [False, True])
def test_clean_study_is_read_by_aggregates_and_equals_the_rows(study_db, monkeypatch, include_in_progress):
    db, study_id, _ = study_db
    monkeypatch.setattr(scores_sqlite, "CHUNK_ROWIDS", 50)
    monkeypatch.setattr(ratings_sqlite, "CHUNK_ROWIDS", 7)
    routes = _Routes(monkeypatch)
    fast, rows = _both(db, study_id, include_in_progress, monkeypatch)
    assert routes.parsed > 10 and routes.rows == 0
    assert fast.n_scores > 1000
    _assert_same(fast, rows)


def test_awkward_rows_read_the_same_by_both_routes(study_db, monkeypatch):
    db, study_id, _ = study_db
    with db.transaction() as s:
        ratings = s.scalars(select(m.Rating).where(m.Rating.submitted_at.is_not(None))
                            .order_by(m.Rating.id).limit(4)).all()
        noted, odd, blank, unteamed = ratings
        first = s.scalars(select(m.ItemScore).where(m.ItemScore.rating_id == noted.id)
                          .order_by(m.ItemScore.item_id)).first()
        first.note = NOTE
        s.add(m.ItemScore(rating_id=odd.id, item_id=ODD_ITEM, value=3, is_na=False))
        answered = s.scalars(select(m.ItemScore).where(m.ItemScore.rating_id == blank.id)).all()
        answered[0].value = None
        answered[1].is_na, answered[1].value = True, None
        s.get(m.Assignment, unteamed.assignment_id).team_id = None
        noted_item = first.item_id
    with db.reading() as s:
        rid = s.scalar(select(m.Rating.id).where(m.Rating.submitted_at.is_not(None), m.Rating.id > noted.id)
                       .order_by(m.Rating.id).offset(5).limit(1))
    raw = sqlite3.connect(db.engine.url.database)  # foreign keys off: rows the app would never write
    with raw:
        # A rating id of another shape sends its chunks to the row route.
        raw.execute("UPDATE item_score SET rating_id = 'short-' || ? WHERE rating_id = ?", (rid, rid))
        raw.execute("UPDATE rating SET id = 'short-' || ? WHERE id = ?", (rid, rid))
        # So does an assignment id of another shape (its rating then finds it by bytes).
        aid = raw.execute("SELECT assignment_id FROM rating WHERE id = ?", (noted.id,)).fetchone()[0]
        raw.execute("UPDATE assignment SET id = 'a-' || ? WHERE id = ?", (aid, aid))
        raw.execute("UPDATE rating SET assignment_id = 'a-' || ? WHERE assignment_id = ?", (aid, aid))
        # Sparse rowids: every other item score moved far up.
        raw.execute("UPDATE item_score SET rowid = rowid + 5000000 WHERE rowid % 2 = 0")
        # A score of a rating not in the study is read and left out.
        raw.execute("INSERT INTO item_score (id, rating_id, item_id, value, is_na, note, updated_at) "
                    "VALUES (?, ?, 'asg1', 2, 0, '', '2024-01-01 00:00:00.000000')",
                    (str(uuid.uuid4()), str(uuid.uuid4())))
    raw.close()
    monkeypatch.setattr(scores_sqlite, "CHUNK_ROWIDS", 64)
    monkeypatch.setattr(ratings_sqlite, "CHUNK_ROWIDS", 5)
    routes = _Routes(monkeypatch)
    for include_in_progress in (False, True):
        fast, rows = _both(db, study_id, include_in_progress, monkeypatch)
        _assert_same(fast, rows)
    assert routes.parsed > 10 and routes.rows >= 2  # both routes ran
    assert ODD_ITEM in fast.item_ids
    assert NOTE in fast.notes.values()
    at = next(pos for pos, note in fast.notes.items() if note == NOTE)
    assert fast.item_ids[fast.item[at]] == noted_item
    assert np.isnan(fast.value).sum() >= 2 and fast.na.any()
    assert (fast.team == -1).any()


def test_a_score_that_is_not_a_small_integer_turns_the_column_into_values(study_db, monkeypatch):
    db, study_id, _ = study_db
    monkeypatch.setattr(scores_sqlite, "CHUNK_ROWIDS", 64)  # many batches: the odd score comes late
    before = _read(db, study_id, False)
    assert isinstance(before.value, CodedScores)
    with db.transaction() as s:
        last = s.scalars(select(m.ItemScore).join(m.Rating).where(m.Rating.submitted_at.is_not(None),
                                                                  m.ItemScore.value.is_not(None))
                         .order_by(literal_column("item_score.rowid").desc())).first()
        last.value = 2.5  # the last score the scan reads
    fast, rows = _both(db, study_id, False, monkeypatch)
    _assert_same(fast, rows)
    assert isinstance(fast.value, np.ndarray) and fast.value.dtype == np.float32
    assert isinstance(fast.na, np.ndarray) and fast.na.tolist() == np.asarray(before.na).tolist()
    changed = np.flatnonzero(~np.isclose(fast.value, np.asarray(before.value), equal_nan=True))
    assert changed.size == 1 and fast.value[changed[0]] == 2.5
