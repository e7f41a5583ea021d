"""Row-level security of rater training on the real PostgreSQL server: gold, consensus and hidden checks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from pooling.helpers import build_study, rate, rater_id
from sqlalchemy import select
from training_support import add_training_session

from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage import open_database
from rater.storage.roles import apply_roles
from rater.study.rating.workstation import Workstation
from rater.study.training import calibration, drift
from rater.study.training.agreement import GoldItem
from rater.study.training.consensus import set_consensus
from rater.study.training.desk import GoldSealed, TrainingDesk
from rater.study.training.gold import set_gold
from rater.study.training.practice import add_training_assignment, assign_practice
from rater.study.training.views import GoldMarkView

from .conftest import drop_database_and_roles

GOLD = {"q1": 1, "q2": 2, "q3": 3, "q4": 4}


@pytest.fixture
def lab(new_db_url, tmp_path):
    """Practice, worked example, hidden check and calibration for R01 (R02 attends the calibration too)."""
    url = new_db_url("postgresql", "training")
    admin = open_database(url)
    build_study(admin, tmp_path / "media", raters=3)
    with admin.reading() as s:
        inst = s.scalar(select(m.InstrumentRecord.id))
    r01, r02 = rater_id(admin, "R01"), rater_id(admin, "R02")
    sessions = {}
    for name, phase in (("practice", "practice"), ("worked", "worked_example"), ("hidden", "practice"),
                        ("calibration", "practice")):
        sessions[name] = add_training_session(admin, f"T{len(sessions) + 1}", 1, phase, f"{name}.mp4")
        set_gold(admin, sessions[name], inst, {k: GoldItem(v, False, f"why {k} in {name}") for k, v in GOLD.items()},
                 [GoldMarkView(7_000, f"evidence in {name}", "q1")])
    a = {"practice": assign_practice(admin, sessions["practice"], inst, [r01])[0],
         "worked": assign_practice(admin, sessions["worked"], inst, [r01])[0]}
    with admin.transaction() as s:
        a["hidden"] = add_training_assignment(s, sessions["hidden"], inst, r01, "drift_hidden", "coordinator",
                                              position=0).id
    meeting = calibration.open_meeting(admin, sessions["calibration"], inst, [r01, r02], "Week 3")
    a["calibration"], a["calibration_r02"] = (_attending(admin, meeting, r) for r in (r01, r02))
    with admin.reading() as s:
        study_session = s.scalar(select(m.Assignment.session_id).where(m.Assignment.purpose == "study"))
    set_consensus(admin, study_session, inst, "q1", 3, "agreed in the meeting")
    drift.schedule(admin, r01, inst, "hidden", every_sessions=2)
    report = apply_roles(admin)
    logins = {code: sa.engine.make_url(url).set(username=role, password=report.passwords[role])
              for role, code in report.rater_of_role.items()}
    opened = []

    def as_role(code: str):
        """The app's own database opening on ``code``'s login ("" is the coordinator)."""
        db = open_database(logins[code].render_as_string(hide_password=False))
        opened.append(db)
        return db

    yield admin, as_role, {"R01": r01, "R02": r02, "inst": inst, "meeting": meeting, **a}
    for db in opened:
        db.close()
    admin.close()
    drop_database_and_roles(url)


def _attending(admin, meeting_id: str, rater: str) -> str:
    with admin.reading() as s:
        return s.scalar(select(t.TrainingAssignment.assignment_id).join(m.Assignment)
                        .where(t.TrainingAssignment.meeting_id == meeting_id, m.Assignment.rater_id == rater))


def _gold_sessions(db) -> dict[str, list]:
    with db.engine.connect() as conn:
        return {"rating": conn.execute(sa.text("SELECT session_id FROM gold_rating")).scalars().all(),
                "score": conn.execute(sa.text("SELECT count(*) FROM gold_score")).scalar(),
                "mark": conn.execute(sa.text("SELECT text FROM gold_mark ORDER BY text")).scalars().all()}


def _session_of(admin, assignment_id: str) -> str:
    with admin.reading() as s:
        return s.get(m.Assignment, assignment_id).session_id


def test_gold_is_unreadable_before_submission_and_only_theirs_after(lab):
    admin, as_role, x = lab
    own = as_role("R01")
    # Before: only the worked example's gold, which is shown while playing.
    assert _gold_sessions(own) == {"rating": [_session_of(admin, x["worked"])], "score": 4,
                                   "mark": ["evidence in worked"]}
    assert _gold_sessions(as_role("R02")) == {"rating": [], "score": 0, "mark": []}
    rate(own, "R01", x["practice"], {"q1": 1, "q2": 2, "q3": 2, "q4": 0}, submit=True)
    after = _gold_sessions(own)
    assert sorted(after["rating"]) == sorted(_session_of(admin, x[k]) for k in ("worked", "practice"))
    assert after["score"] == 8 and after["mark"] == ["evidence in practice", "evidence in worked"]
    assert _gold_sessions(as_role("R02"))["score"] == 0
    assert _gold_sessions(as_role(""))["score"] == 16  # the coordinator's login sees all gold


def test_consensus_and_schedules_have_no_rows_for_raters_and_gold_cannot_be_changed(lab):
    admin, as_role, x = lab
    own = as_role("R01")
    rate(own, "R01", x["practice"], {"q1": 1, "q2": 2, "q3": 2, "q4": 0}, submit=True)
    with own.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM consensus_score")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM drift_schedule")).scalar() == 0
        for sql in ("UPDATE gold_score SET value = 0", "DELETE FROM gold_mark",
                    "INSERT INTO consensus_score (id, session_id, instrument_id, item_id, is_na, note, created_by, "
                    "created_at) VALUES ('c', 'x', 'y', 'q1', false, '', 'me', now())"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text(sql))
            conn.rollback()
    with as_role("").engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM consensus_score")).scalar() == 1
    with admin.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM gold_score WHERE value = 0")).scalar() == 0


def test_a_hidden_check_is_a_study_session_to_the_raters_login_until_submitted(lab):
    admin, as_role, x = lab
    own = as_role("R01")
    hidden = x["hidden"]
    with admin.reading() as s:
        study = s.scalar(select(m.Assignment.id).where(m.Assignment.rater_id == x["R01"], m.Assignment.purpose == "study"))
    with own.engine.connect() as conn:
        row = "SELECT purpose, team_id, created_at FROM assignment WHERE id = :i"
        assert conn.execute(sa.text(row), {"i": hidden}).one() == conn.execute(sa.text(row), {"i": study}).one()
        kinds = conn.execute(sa.text("SELECT kind FROM training_assignment ORDER BY kind")).scalars().all()
        assert kinds == ["calibration", "practice", "worked_example"]
        material = set(conn.execute(sa.text("SELECT session_id FROM training_material")).scalars())
        assert _session_of(admin, hidden) not in material and len(material) == 3
        assert conn.execute(sa.text("SELECT count(*) FROM calibration_meeting")).scalar() == 1
        # The table itself, past the view, does not give the stored purpose either.
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SELECT purpose FROM public.assignment"))
    with admin.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT purpose FROM assignment WHERE id = :i"), {"i": hidden}).scalar() == "check"
    ws, desk, me = Workstation(own), TrainingDesk(own), x["R01"]
    entry = {e.assignment_id: e for e in ws.queue(me)}[hidden]
    assert entry.purpose == "study" and desk.kind(hidden, me) is None
    assert drift.place_due(own, me) == []  # schedules are the coordinator's: nothing placed, nothing revealed
    rate(own, "R01", hidden, {"q1": 1, "q2": 2, "q3": 3, "q4": 4}, submit=True)
    assert desk.kind(hidden, me) == "drift_hidden"
    assert desk.feedback(hidden, me).summary.exact == 1.0


def test_every_rater_facing_training_flow_works_on_the_raters_own_login(lab):
    admin, as_role, x = lab
    own, other = as_role("R01"), as_role("R02")
    desk, me = TrainingDesk(own), x["R01"]
    example = desk.worked_example(x["worked"], me)
    assert {k: g.value for k, g in example.items.items()} == GOLD and example.marks[0].text == "evidence in worked"
    with pytest.raises(GoldSealed):
        desk.feedback(x["practice"], me)
    rate(own, "R01", x["practice"], {"q1": 1, "q2": 2, "q3": 2, "q4": 0}, submit=True)
    feedback = desk.feedback(x["practice"], me)
    assert feedback.summary.exact == 0.5 and [mk.text for mk in feedback.marks] == ["evidence in practice"]
    # Calibration: sealed until the other attendee has submitted too, then open to both.
    rate(own, "R01", x["calibration"], {"q1": 1, "q2": 2, "q3": 3, "q4": 3}, submit=True)
    with pytest.raises(GoldSealed, match="everyone has submitted"):
        desk.feedback(x["calibration"], me)
    calibration_r02 = x["calibration_r02"]
    rate(other, "R02", calibration_r02, {"q1": 0, "q2": 2, "q3": 3, "q4": 4}, submit=True)
    assert desk.feedback(x["calibration"], me).summary.exact == 0.75
    assert TrainingDesk(other).feedback(calibration_r02, x["R02"]).summary.exact == 0.75


def test_a_submitted_rating_cannot_be_changed_or_reopened_on_the_raters_login(lab):
    admin, as_role, x = lab
    own = as_role("R01")
    rate(own, "R01", x["practice"], {"q1": 1, "q2": 2, "q3": 2, "q4": 0}, submit=True)
    scores = "item_score WHERE rating_id IN (SELECT id FROM rating WHERE assignment_id = :a)"
    with own.engine.connect() as conn:
        # Reopening (to score again with the gold now in view) changes nothing, through the view or the table.
        for table in ("assignment", "public.assignment"):
            reopened = conn.execute(sa.text(f"UPDATE {table} SET status = 'in_progress' WHERE id = :a"),
                                    {"a": x["practice"]})
            assert reopened.rowcount == 0
        assert conn.execute(sa.text(f"UPDATE {scores.replace('item_score', 'item_score SET value = 4', 1)}"),
                            {"a": x["practice"]}).rowcount == 0
        assert conn.execute(sa.text(f"DELETE FROM {scores}"), {"a": x["practice"]}).rowcount == 0
        conn.commit()
        # Marking an unrated practice submitted by hand opens its gold, but no score can be added any more.
        conn.execute(sa.text("UPDATE assignment SET status = 'submitted' WHERE id = :a"), {"a": x["worked"]})
        rating = conn.execute(sa.text("INSERT INTO rating (id, assignment_id, revision, started_at, updated_at, "
                                      "last_position_ms, time_spent_ms, played_intervals, played_ms) VALUES "
                                      "('r-x', :a, 0, now(), now(), 0, 0, '[]', 0) RETURNING id"),
                              {"a": x["worked"]}).scalar()
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            conn.execute(sa.text("INSERT INTO item_score (id, rating_id, item_id, value, is_na, note) "
                                 "VALUES ('s-x', :r, 'q1', 1, false, '')"), {"r": rating})
        conn.rollback()
    with admin.engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT item_id, value FROM {scores} ORDER BY item_id"),
                            {"a": x["practice"]}).all() == [("q1", 1), ("q2", 2), ("q3", 2), ("q4", 0)]
        assert conn.execute(sa.text("SELECT status FROM assignment WHERE id = :a"),
                            {"a": x["practice"]}).scalar() == "submitted"
