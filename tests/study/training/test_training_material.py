"""Training material and gold: marking, gold validation, CSV import all-or-nothing, promotion, exclusions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from training_support import HSTBS_ITEMS, add_training_session, gold_session, hstbs_gold, ids, rate

from rater.storage import models as m
from rater.storage import models_training as t
from rater.study.assign.edit import add_rater_to_session
from rater.study.errors import InvalidValue
from rater.study.reports.progress import study_progress
from rater.study.training.agreement import GoldItem
from rater.study.training.gold import GoldRejected, promote_rating, read_gold, set_gold
from rater.study.training.gold_csv import GoldFileRejected, import_gold_csv
from rater.study.training.material import delete_training_session, list_material, mark_training
from rater.study.training.practice import assign_practice


def test_gold_with_rationale_and_marks_is_stored_and_audited(demo):
    db, _ws, _study = demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 3)
    gold = read_gold(db, session_id, x["hstbs"])
    assert {k: g.value for k, g in gold.items.items()} == dict.fromkeys(HSTBS_ITEMS, 3)
    assert gold.items["rev1"].rationale == "gold-rationale-rev1"
    assert [(mk.position_ms, mk.item_id) for mk in gold.marks] == [(12_000, "rev1"), (95_000, "")]
    with db.reading() as s:
        events = s.scalars(select(m.AuditEvent.field).where(m.AuditEvent.entity == "gold_rating")).all()
    assert events == ["gold:hstbs"]


def test_gold_missing_items_or_out_of_range_is_refused_whole(demo):
    db, _ws, _study = demo
    x = ids(db)
    session_id = add_training_session(db)
    items = hstbs_gold(2)
    del items["asg3"]
    items["rev1"] = GoldItem(7)
    items["zzz"] = GoldItem(1)
    with pytest.raises(GoldRejected) as err:
        set_gold(db, session_id, x["hstbs"], items)
    assert err.value.problems[1:] == ["Gold score 7 for item rev1 is outside 0–4.", "Item asg3 has no gold score."]
    assert "no item 'zzz'" in err.value.problems[0]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(t.GoldRating)) == 0


def test_gold_csv_reports_every_bad_row_and_imports_nothing(demo, tmp_path):
    db, _ws, study = demo
    x = ids(db)
    add_training_session(db, "T01", 2, path="clip_a.mp4")
    lines = ["recording,item,gold_score,rationale"]
    lines += [f"clip_a.mp4,{k},2,because" for k in HSTBS_ITEMS[:-1]]  # obs5 missing
    lines += ["clip_a.mp4,rev1,2,twice", "nowhere.mp4,rev2,1,", "clip_a.mp4,bogus,1,", "clip_a.mp4,asg1,x,",
              "T01:2,obs4,9,"]
    path = tmp_path / "gold.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GoldFileRejected) as err:
        import_gold_csv(db, study, path)
    text = "\n".join(err.value.problems)
    assert "line 17: item rev1 of clip_a.mp4 is given twice." in text
    assert "line 18: no training recording 'nowhere.mp4'" in text
    assert "line 19: unknown item 'bogus'." in text
    assert "line 20: gold_score 'x' is not a whole number or NA." in text
    assert "line 21: gold_score 9 for item obs4 is outside 0–4." in text
    assert "Item obs5 has no gold score." in text
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(t.GoldRating)) == 0
    good = ["recording,item,gold_score,rationale"] + [f"clip_a.mp4,{k},{i % 5},r{k}" for i, k in enumerate(HSTBS_ITEMS)]
    path.write_text("\n".join(good) + "\n", encoding="utf-8")
    result = import_gold_csv(db, study, path)
    assert (result.recordings, result.items) == (1, 16)
    session_id = list_material(db, study)[0].session_id
    gold = read_gold(db, session_id, x["hstbs"])
    assert gold.items["asg2"] == GoldItem(5 % 5, False, "rasg2") and gold.items["rev2"].value == 1


def test_submitted_rating_promoted_to_gold_keeps_notes_and_marks(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    session_id = add_training_session(db)
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]], expert=True)
    rate(ws, a, x["R01"], 3, submit=False)
    ws.set_note(a, x["R01"], "rev1", "reads the record aloud at 3:10")
    ws.add_mark(a, x["R01"], 190_000, "thought record read aloud")
    with pytest.raises(InvalidValue, match="submitted"):
        promote_rating(db, _rating_of(db, a))
    ws.submit(a, x["R01"])
    promote_rating(db, _rating_of(db, a))
    gold = read_gold(db, session_id, x["hstbs"])
    assert gold.source == "rating" and gold.items["rev1"].rationale == "reads the record aloud at 3:10"
    assert [(mk.position_ms, mk.text) for mk in gold.marks] == [(190_000, "thought record read aloud")]


def _team_of(db, rater_id: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.TeamMember.team_id).where(m.TeamMember.rater_id == rater_id))


def _rating_of(db, assignment_id: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Rating.id).where(m.Rating.assignment_id == assignment_id))


def test_study_session_cannot_become_training_and_training_never_a_study_session(demo):
    db, _ws, _study = demo
    x = ids(db)
    with db.reading() as s:
        studied = s.scalar(select(m.Assignment.session_id).where(m.Assignment.purpose == "study"))
    with pytest.raises(InvalidValue, match="cannot be both training material and study data"):
        mark_training(db, studied)
    with db.reading() as s:
        assert s.get(t.TrainingMaterial, studied) is None and not s.get(m.Session, studied).is_practice
    training = gold_session(db, x["hstbs"])
    with pytest.raises(Exception, match="(?i)practice"):
        add_rater_to_session(db, training, x["R01"], _team_of(db, x["R01"]))


def test_training_ratings_stay_out_of_study_progress(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    before = study_progress(db, study)
    session_id = gold_session(db, x["hstbs"])
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    rate(ws, a, x["R01"], 2)
    after = study_progress(db, study)
    assert repr(after) == repr(before)


def test_deleting_training_recording_with_ratings_is_refused(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    kept = gold_session(db, x["hstbs"], code="T01")
    empty = gold_session(db, x["hstbs"], code="T02")
    [a] = assign_practice(db, kept, x["hstbs"], [x["R01"]])
    ws.open(a, x["R01"])
    with pytest.raises(InvalidValue, match="has 1 rating"):
        delete_training_session(db, kept)
    delete_training_session(db, empty)
    assert [v.patient_code for v in list_material(db, study)] == ["T01"]


def test_recording_file_of_a_study_session_cannot_be_marked_training(sqlite_demo):
    db, _ws, _study = sqlite_demo
    with db.reading() as s:
        path = s.scalar(select(m.Recording.path).join(m.Assignment, m.Assignment.session_id == m.Recording.session_id))
    with pytest.raises(InvalidValue, match="also the recording of study session"):
        add_training_session(db, "T09", 1, path=path)
