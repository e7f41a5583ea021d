"""The rating tables' own CSV text is byte for byte what the csv module writes for their rows.

Checked on the rated study made awkward in every way the text is assembled:
labels (study, patient, team, rater) and notes that need quoting or look like
formulas, emoji, unanswered and N/A items, recoded values, a second version of
an instrument rated by the same rater, a rating without a team and one without
a submission time.
"""

from __future__ import annotations

import csv
import io
import math
import random

import numpy as np
import pytest
from sqlalchemy import select, update

from rater.export import rating_csv
from rater.export.csv_tables import _converted, _csv_rows, write_table_csv
from rater.export.csv_text import converted_text
from rater.export.dataset import load_study
from rater.export.progress import Tracker
from rater.export.rating_rows import _submitted
from rater.export.rating_tables import long_table, session_means_table, wide_table
from rater.storage import models as m

from .helpers import rate_second_version

NOTES = ["a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\n", "=SUM(A1:A3)", "+1 555", "-3 points", "@mention",
         "emoji 😀🧠", " lead", "\n", '"', ","]
TEAM = 'Team, "one" 🎉'
RATER = "R=1,x"
PATIENT = '@P,"9"'


def _csv_module(table) -> tuple[str, int]:
    """The table's rows as the csv module writes them after the export's cell conversions."""
    converted = [i for i, c in enumerate(_converted(table.columns)) if c]
    rows = list(table.iter_rows())
    out = io.StringIO(newline="")
    csv.writer(out).writerows(_csv_rows(rows, converted))
    return out.getvalue(), len(rows)


def _own_text(table) -> tuple[str, int]:
    blocks = list(table.csv_text())
    return "".join(text for text, _n in blocks), sum(n for _text, n in blocks)


@pytest.fixture
def awkward_db(study_db):
    """The rated study with every awkward case the CSV text has to get right."""
    db, study_id, built = study_db
    with db.transaction() as s:
        s.execute(update(m.Study).where(m.Study.id == study_id).values(code='ST,"1"'))
        team = s.scalars(select(m.Team).where(m.Team.study_id == study_id).order_by(m.Team.name)).first()
        team.name = TEAM
        rater = s.scalars(select(m.Rater).where(m.Rater.study_id == study_id, m.Rater.code == "T1-02")).one()
        rater.code = RATER
        patient = s.scalars(select(m.Patient).where(m.Patient.study_id == study_id, m.Patient.code == "P003")).one()
        patient.code = PATIENT
        submitted = select(m.ItemScore.id).join(m.Rating).where(m.Rating.submitted_at.is_not(None))
        # HES-CT is 0 everywhere in the built study: give it values its scale recodes (1-3 -> 1, 4-6 -> 2),
        # before the notes and blanks below, which must not be overwritten.
        ct = s.scalars(submitted.join(m.Assignment).join(m.InstrumentRecord)
                       .where(m.InstrumentRecord.key == "hes_ct").order_by(m.ItemScore.id)).all()
        for n, score_id in enumerate(ct):
            s.execute(update(m.ItemScore).where(m.ItemScore.id == score_id).values(value=n % 7))
        ids = s.scalars(submitted.order_by(m.ItemScore.id).limit(len(NOTES) + 2)).all()
        for score_id, note in zip(ids, NOTES, strict=False):
            s.execute(update(m.ItemScore).where(m.ItemScore.id == score_id).values(note=note))
        s.execute(update(m.ItemScore).where(m.ItemScore.id == ids[-2]).values(value=None, is_na=False))
        s.execute(update(m.ItemScore).where(m.ItemScore.id == ids[-1]).values(value=None, is_na=True))
        # A second version of an instrument, rated by the same rater in the same session, without a team.
        rating = s.scalars(select(m.Rating).where(m.Rating.submitted_at.is_not(None)).order_by(m.Rating.id)
                           .limit(1)).one()
        rate_second_version(s, rating, team_id=None)
    return db, study_id, built


@pytest.mark.parametrize("in_progress", [False, True])
def test_rating_tables_text_equals_the_csv_module_on_their_rows(awkward_db, in_progress):
    db, study_id, built = awkward_db
    data = load_study(db, study_id, include_in_progress=in_progress)
    long = long_table(data, 0)
    text, n = _own_text(long)
    assert (text, n) == _csv_module(long)
    # The awkward cases are really in the text compared.
    assert '"ST,""1"""' in text and f'"{TEAM.replace(chr(34), 2 * chr(34))}"' in text and '"R=1,x"' in text
    assert '"@P,""9"""' in text and ",9.9," in text and '"crlf\r\n"' in text and "=SUM(A1:A3)" in text
    rows = list(long.iter_rows())
    recoded = {(r[8], r[9], r[11]) for r in rows if r[6] == "hes_ct" and r[9] is not None}
    assert any(value != rec for _item, value, rec in recoded)  # a recode changed a value
    assert any(r[9] is None and r[10] is False for r in rows) and any(r[10] is True for r in rows)
    assert any(r[4] == "" for r in rows)  # the rating without a team
    assert any(r[13] is None for r in rows) is in_progress
    for na_code in (None, -9):
        wide = wide_table(data, 0, na_code=na_code)
        text, n = _own_text(wide)
        assert (text, n) == _csv_module(wide)
        assert (",-9," in text) is (na_code is not None)
    means = session_means_table(data, 0)
    text, n = _own_text(means)
    assert (text, n) == _csv_module(means) and n > 0
    assert ",,0," in text  # a session whose scale nobody scored: a blank mean, 0 raters


def test_files_written_from_the_text_equal_the_csv_module_with_and_without_bom(awkward_db, tmp_path):
    db, study_id, _built = awkward_db
    data = load_study(db, study_id, include_in_progress=True)
    for table in (long_table(data, 0), wide_table(data, 0), session_means_table(data, 0)):
        for bom in (False, True):
            path = tmp_path / f"{table.key}-{bom}.csv"
            body, n = _csv_module(table)
            assert write_table_csv(table, path, Tracker(10**6), bom=bom) == n
            header = ",".join(table.header) + "\r\n"
            assert path.read_bytes() == ("\ufeff" if bom else "").encode() + (header + body).encode()


def test_sparse_keys_are_numbered_by_sorting_with_the_same_text(awkward_db, monkeypatch):
    db, study_id, _built = awkward_db
    data = load_study(db, study_id)
    dense = [_own_text(t) for t in (long_table(data, 0), wide_table(data, 0))]
    monkeypatch.setattr(rating_csv, "DENSE_KEYS", 0)  # every key counts as too large for a dense table
    assert [_own_text(t) for t in (long_table(data, 0), wide_table(data, 0))] == dense


def test_coded_numbers_keys_as_numpy_unique():
    rng = np.random.default_rng(3)
    for keys in (rng.integers(0, 50, 1000), rng.integers(0, 1 << 40, 100), np.array([7]), np.zeros(0, np.int64)):
        distinct, index = rating_csv.coded(keys)
        expected = np.unique(keys, return_inverse=True)
        assert distinct.tolist() == expected[0].tolist() and index.tolist() == expected[1].reshape(-1).tolist()


def test_time_texts_equal_the_datetimes_the_rows_hold():
    rng = random.Random(11)
    seconds = [rng.uniform(-2e9, 4e9) for _ in range(2000)]
    # Half a microsecond (rounded to even), just below a second, exact seconds, before 1970, none.
    seconds += [1_700_000_000.0000005, 1_700_000_000.0000015, 1_700_000_000.9999996, 1_700_000_001.0, -0.5,
                -1e-7, 0.0, math.nan]
    expected = [converted_text(t) if t is not None else "" for t in _submitted(seconds)]
    assert rating_csv.time_texts(np.array(seconds)) == expected


def _groups_one_by_one(session, rater, version, keys) -> list[int]:
    """Wide rows as the definition says: a new row at a new session or rater, or a key already in the row."""
    bounds, seen = [0], set()
    for r in range(len(session)):
        if r and (session[r] != session[r - 1] or rater[r] != rater[r - 1] or keys[version[r]] in seen):
            bounds.append(r)
            seen = set()
        seen.add(keys[version[r]])
    return [*bounds, len(session)] if session else []


@pytest.mark.parametrize("in_version_order", [True, False])
def test_wide_rows_are_grouped_as_one_by_one(in_version_order):
    from types import SimpleNamespace

    from rater.export.rating_rows import wide_groups

    rng = random.Random(5)
    keys = ["hstbs", "hstbs", "hes_general", "hes_ct", "hes_ct", "hes_ct"]  # versions of a key side by side
    for _ in range(200):
        ratings = []
        for session in range(rng.randrange(1, 6)):
            for rater in rng.sample(range(4), rng.randrange(1, 4)):
                versions = rng.sample(range(len(keys)), rng.randrange(1, len(keys) + 1))
                ratings += [(session, rater, v) for v in (sorted(versions) if in_version_order else versions)]
        session, rater, version = (list(c) for c in zip(*ratings, strict=True))
        sc = SimpleNamespace(session=np.array(session), rater=np.array(rater), version=np.array(version),
                             n_ratings=len(session))
        assert wide_groups(sc, keys).tolist() == _groups_one_by_one(session, rater, version, keys)
    assert wide_groups(SimpleNamespace(session=np.zeros(0), rater=np.zeros(0), version=np.zeros(0, int),
                                       n_ratings=0), keys).tolist() == []


def test_small_blocks_make_the_same_rows_and_text_as_one_block(awkward_db, monkeypatch):
    from rater.export import rating_rows

    db, study_id, _built = awkward_db
    data = load_study(db, study_id, include_in_progress=True)

    def tables():
        made = (long_table(data, 0), wide_table(data, 0, na_code=-9), session_means_table(data, 0))
        return [(list(t.iter_rows()), _own_text(t)) for t in made]

    whole = tables()
    assert all(len(rows) > 3 for rows, _text in whole)
    for module in (rating_rows, rating_csv):
        monkeypatch.setattr(module, "BLOCK_RATINGS", 3)  # wide blocks are half as many groups: 1
        monkeypatch.setattr(module, "SESSION_BLOCK", 2)
    assert tables() == whole
