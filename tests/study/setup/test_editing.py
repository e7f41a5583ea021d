"""Editing a study after creation: overview, raters, patients and sessions, teams, settings.

Each refusal is checked to leave the database as it was, and each change to
leave its audit event.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from rater.storage import models as m
from rater.study.assign import add_rater_to_session
from rater.study.errors import InvalidValue, NotFound, StudyError
from rater.study.reports import overview
from rater.study.reports.overview import Rate
from rater.study.setup import editing, editing_sessions
from rater.study.setup.editing import RaterHasRatings


def events(db, entity: str, action: str | None = None) -> list[m.AuditEvent]:
    with db.reading() as s:
        q = select(m.AuditEvent).where(m.AuditEvent.entity == entity)
        if action:
            q = q.where(m.AuditEvent.action == action)
        return list(s.scalars(q.order_by(m.AuditEvent.at)))


def count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def rater_id(db, code: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Rater.id).where(m.Rater.code == code))


def team_id(db, prefix: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Team.id).where(m.Team.name.startswith(prefix)))


def session_id(db, patient: str, number: int) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Session.id).join(m.Patient)
                        .where(m.Patient.code == patient, m.Session.number == number))


def rate_and_submit(ws, rater_name: str, patient: str, number: int, submit: bool = True) -> str:
    rater = next(r for r in ws.raters() if r.name == rater_name)
    entry = next(e for e in ws.queue(rater.id) if (e.patient_code, e.session_number) == (patient, number))
    ws.open(entry.assignment_id, rater.id)
    if "General" in entry.instrument_name:
        for item in ("time", "frequency", "effort"):
            ws.set_response(entry.assignment_id, rater.id, item, 2)
    else:
        view = ws.open(entry.assignment_id, rater.id)
        for item in view.instrument.items:
            if view.instrument.item_applies(item.id, number):
                ws.set_response(entry.assignment_id, rater.id, item.id, 1)
    if submit:
        ws.submit(entry.assignment_id, rater.id)
    return entry.assignment_id


def test_overview_lists_teams_raters_patients_sessions_recordings(demo):
    db, _ws, study_id = demo
    o = overview.study_overview(db, study_id)
    assert (o.code, o.min_played_fraction, o.hidden_fields) == ("DEMO", 0.8, ("condition",))
    assert [t.name for t in o.teams] == ["Team 1 (therapist behaviour)", "Team 2 (homework engagement)"]
    team2 = o.teams[1]
    assert team2.keeps_homework_log and [r.key for r in team2.rates] == ["hes_ct", "hes_general"]
    assert team2.rates[0].label.endswith("sessions 2–5")
    assert [(r.code, r.team_names, r.assigned) for r in o.raters] == [
        ("R01", ("Team 1 (therapist behaviour)",), 2), ("R02", ("Team 2 (homework engagement)",), 3)]
    assert [p.code for p in o.patients] == ["D01", "D02"]
    d01 = o.patients[0]
    assert d01.meta == {"condition": "A"}  # coordinators see hidden metadata
    s2 = d01.sessions[1]
    assert (s2.number, s2.homework_entries, s2.status_label) == (2, 2, "0 of 2 submitted")
    assert s2.recordings and all(r.exists for r in s2.recordings)
    assert {a.instrument_key for a in s2.assigned} == {"hes_general", "hes_ct"}
    assert d01.sessions[2].status_label == "not assigned"
    assert [x.code for x in overview.studies(db)] == ["DEMO"]


def test_rater_add_rename_pin_deactivate_with_audit(demo):
    db, ws, study_id = demo
    t2 = team_id(db, "Team 2")
    rid = editing.add_rater(db, study_id, "R03", "Robin Park", team_id=t2, pin="4321")
    with pytest.raises(InvalidValue, match="already a rater"):
        editing.add_rater(db, study_id, "r03", "Someone")
    with pytest.raises(InvalidValue, match="code"):
        editing.add_rater(db, study_id, "bad code", "Someone")
    with pytest.raises(InvalidValue, match="PIN"):
        editing.set_rater_pin(db, rid, "12")
    robin = next(r for r in ws.raters() if r.id == rid)
    assert robin.has_pin and robin.teams == ("Team 2 (homework engagement)",) and ws.check_pin(rid, "4321")
    editing.rename_rater(db, rid, "Robin P.")
    editing.set_rater_pin(db, rid, None)
    editing.set_rater_active(db, rid, False)
    assert rid not in {r.id for r in ws.raters()}
    editing.set_rater_active(db, rid, True)
    assert next(r for r in ws.raters() if r.id == rid).name == "Robin P."
    fields = [e.field for e in events(db, "rater")]
    assert fields == ["rater", "name", "pin", "active", "active"]
    assert all("4321" not in (e.new or "") for e in events(db, "rater"))


def test_remove_rater_refused_with_ratings_and_allowed_without(demo):
    db, ws, study_id = demo
    assignments = count(db, m.Assignment)
    rate_and_submit(ws, "Sam Chen", "D01", 2, submit=False)
    with pytest.raises(RaterHasRatings, match="Deactivate the rater instead") as err:
        editing.remove_rater(db, rater_id(db, "R02"))
    assert "scores entered" in str(err.value)
    assert count(db, m.Assignment) == assignments and rater_id(db, "R02")
    # Alex has opened nothing: his two assignments go with him, each audited.
    assert editing.remove_rater(db, rater_id(db, "R01")) == 2
    assert rater_id(db, "R01") is None and count(db, m.Assignment) == assignments - 2
    assert len(events(db, "assignment", "delete")) == 2 and len(events(db, "rater", "delete")) == 1


def test_remove_rater_refused_after_submission(demo):
    db, ws, _ = demo
    rate_and_submit(ws, "Alex Rivera", "D01", 1)
    with pytest.raises(RaterHasRatings, match="submitted"):
        editing.remove_rater(db, rater_id(db, "R01"))


def test_move_rater_between_teams(demo):
    db, ws, study_id = demo
    t1, t2 = team_id(db, "Team 1"), team_id(db, "Team 2")
    # Alex has not started: his Team 1 assignments are taken away when he moves.
    assert editing.move_rater(db, rater_id(db, "R01"), t2) == 2
    alex = overview.study_overview(db, study_id).raters[0]
    assert alex.team_ids == (t2,) and alex.assigned == 0
    # Sam has opened a session of Team 2: the move is refused and nothing changes.
    rate_and_submit(ws, "Sam Chen", "D01", 2, submit=False)
    with pytest.raises(StudyError, match="started 1 session"):
        editing.move_rater(db, rater_id(db, "R02"), t1)
    sam = overview.study_overview(db, study_id).raters[1]
    assert sam.team_ids == (t2,) and sam.assigned == 3


def test_patients_and_sessions(demo):
    db, _ws, study_id = demo
    pid = editing_sessions.add_patient(db, study_id, "D03", sessions=[1, 2], meta={"condition": "B"})
    with pytest.raises(InvalidValue, match="already a patient"):
        editing_sessions.add_patient(db, study_id, "d03")
    sid = editing_sessions.add_session(db, pid, 3, dt.date(2026, 10, 1))
    with pytest.raises(InvalidValue, match="already has a session 3"):
        editing_sessions.add_session(db, pid, 3)
    with pytest.raises(InvalidValue, match="start at 1"):
        editing_sessions.add_session(db, pid, 0)
    editing_sessions.update_session(db, sid, date=dt.date(2026, 10, 2), meta={"therapist": "T7", " ": "dropped"})
    editing_sessions.update_session(db, sid, date=None)
    editing_sessions.update_patient(db, pid, meta={"condition": "A"})
    d03 = next(p for p in overview.study_overview(db, study_id).patients if p.code == "D03")
    assert d03.meta == {"condition": "A"}
    assert [(x.number, x.date, x.meta) for x in d03.sessions] == [(1, None, {}), (2, None, {}),
                                                                  (3, None, {"therapist": "T7"})]
    assert [e.field for e in events(db, "session", "update")] == ["date", "meta", "date"]


def test_remove_session_only_without_ratings(demo):
    db, ws, _ = demo
    rate_and_submit(ws, "Sam Chen", "D01", 2, submit=False)
    with pytest.raises(StudyError, match="1 rating"):
        editing_sessions.remove_session(db, session_id(db, "D01", 2))
    # D02 session 3 has an assignment nobody opened, a recording and no rating: it may go.
    editing_sessions.remove_session(db, session_id(db, "D02", 3))
    assert session_id(db, "D02", 3) is None and session_id(db, "D01", 2)
    assert {e.entity for e in events(db, "assignment") + events(db, "recording") + events(db, "session")} == {
        "assignment", "recording", "session"}


def test_teams_instruments_and_ranges(demo):
    db, _ws, study_id = demo
    insts = {i.key: i.id for i in overview.instruments(db)}
    tid = editing.add_team(db, study_id, "Team 3", raters_per_session=2,
                           rates=[Rate(insts["hstbs"], 2, 3)])
    with pytest.raises(InvalidValue, match="already a team"):
        editing.add_team(db, study_id, "Team 3")
    with pytest.raises(InvalidValue, match="not valid"):
        editing.update_team(db, tid, rates=[Rate(insts["hstbs"], 4, 2)])
    editing.update_team(db, tid, raters_per_session=3, keeps_homework_log=True,
                        rates=[Rate(insts["hstbs"], 1, 4), Rate(insts["hes_ct"], 2, 5)])
    team = overview.study_overview(db, study_id).team(tid)
    assert (team.raters_per_session, team.keeps_homework_log) == (3, True)
    assert [(r.key, r.session_min, r.session_max) for r in team.rates] == [("hstbs", 1, 4), ("hes_ct", 2, 5)]
    # Team 1 has HSTBS assignments on sessions 1 and 2: it must keep rating them there.
    t1 = team_id(db, "Team 1")
    with pytest.raises(StudyError, match="session 1"):
        editing.update_team(db, t1, rates=[Rate(insts["hstbs"], 2, 4)])
    with pytest.raises(StudyError, match="must keep rating"):
        editing.update_team(db, t1, rates=[Rate(insts["hes_ct"], 2, 5)])
    assert [r.key for r in overview.study_overview(db, study_id).team(t1).rates] == ["hstbs"]
    rates_events = [e for e in events(db, "team") if e.field == "rates"]
    assert len(rates_events) == 2


def test_new_team_member_can_be_assigned(demo):
    db, _ws, study_id = demo
    t2 = team_id(db, "Team 2")
    rid = editing.add_rater(db, study_id, "R03", "Robin Park", team_id=t2)
    result = add_rater_to_session(db, session_id(db, "D01", 3), rid, t2)
    assert len(result.assignment_ids) == 2


def test_study_settings(demo, tmp_path):
    db, _ws, study_id = demo
    editing.update_study(db, study_id, name="Demo (renamed)", min_played_fraction=0.9,
                         hidden_fields=["condition", " site ", "condition", ""], media_root=tmp_path)
    o = overview.study_overview(db, study_id)
    assert (o.name, o.min_played_fraction, o.hidden_fields, o.media_root) == (
        "Demo (renamed)", 0.9, ("condition", "site"), str(tmp_path))
    with pytest.raises(InvalidValue, match="between 0% and 100%"):
        editing.update_study(db, study_id, min_played_fraction=1.5)
    with pytest.raises(InvalidValue, match="does not exist"):
        editing.update_study(db, study_id, media_root=tmp_path / "missing")
    editing.update_study(db, study_id, media_root=None)
    assert overview.study_overview(db, study_id).media_root is None
    fields = [e.field for e in events(db, "study", "update")]
    assert fields == ["name", "settings.min_played_fraction", "settings.hidden_fields", "settings.media_root",
                      "settings.media_root"]
    with pytest.raises(NotFound):
        editing.update_study(db, "no-such-study", name="x")


def test_register_instrument_file_once(demo, tmp_path):
    from rater.instruments.loader import InstrumentError, bundled_instrument_files

    db, _ws, _study = demo
    before = len(overview.instruments(db))
    info = editing.register_instrument_file(db, bundled_instrument_files()[0])
    assert len(overview.instruments(db)) == before and info.key
    bad = tmp_path / "bad.toml"
    bad.write_text("id = 3\n", encoding="utf-8")
    with pytest.raises(InstrumentError):
        editing.register_instrument_file(db, bad)
    assert events(db, "instrument") == []
