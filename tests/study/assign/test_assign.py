"""Assignment generation and manual edits, checked on the reference study's design.

Every property is verified on what was written to the database, not on what
the planner says it did.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from rater.instruments.loader import bundled_instrument_files
from rater.storage import models as m
from rater.storage import open_database
from rater.study.assign import (
    AssignmentConflict,
    InfeasibleDesign,
    add_rater_to_session,
    generate_assignments,
    remove_rater_from_session,
    swap_rater,
)
from rater.study.assign.plan import Plan, PlanError, PlanSession, check_plan, plan_assignments
from rater.study.instruments import register_file
from rater.study.rating.workstation import Workstation

CT_SESSIONS = {f"P{p:03d}": list(range(1, 6)) for p in range(1, 67)}
TEAM_RANGES = {"Team 1": {"hstbs": (1, 4)}, "Team 2": {"hes_general": (2, 5), "hes_ct": (2, 5)}}


@dataclass
class Ids:
    study: str = ""
    teams: dict[str, str] = field(default_factory=dict)
    instruments: dict[str, str] = field(default_factory=dict)
    raters: dict[str, str] = field(default_factory=dict)
    sessions: dict[tuple[str, int], str] = field(default_factory=dict)


def build_study(db, sessions=None, team_sizes=(17, 19), k=3, code="HWCT") -> Ids:
    """The reference design: 66 patients × sessions 1–5, Team 1 (17, HSTBS 1–4), Team 2 (19, HES 2–5)."""
    ids = Ids()
    with db.transaction() as s:
        study = m.Study(name="Homework in CT", code=code)
        s.add(study)
        s.flush()
        ids.study = study.id
        ids.instruments = {row.key: row.id for row in (register_file(s, p) for p in bundled_instrument_files())}
        for (name, ranges), size in zip(TEAM_RANGES.items(), team_sizes, strict=True):
            team = m.Team(study_id=study.id, name=name, raters_per_session=k)
            s.add(team)
            s.flush()
            ids.teams[name] = team.id
            for key, (lo, hi) in ranges.items():
                s.add(m.TeamInstrument(team_id=team.id, instrument_id=ids.instruments[key], session_min=lo,
                                       session_max=hi))
            for i in range(1, size + 1):
                rater = m.Rater(study_id=study.id, code=f"T{name[-1]}-{i:02d}", name=f"Rater {i}")
                s.add(rater)
                s.flush()
                ids.raters[rater.code] = rater.id
                s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
        layout = dict(CT_SESSIONS if sessions is None else sessions)
        layout.setdefault("PRACTICE", [3])
        for code_, numbers in layout.items():
            patient = m.Patient(study_id=study.id, code=code_)
            s.add(patient)
            s.flush()
            for number in numbers:
                row = m.Session(patient_id=patient.id, number=number, is_practice=code_ == "PRACTICE")
                s.add(row)
                s.flush()
                ids.sessions[(code_, number)] = row.id
    return ids


def written(db, study_id):
    """(team, patient, number, rater, instrument, queue position, assignment id) of every assignment."""
    with db.reading() as s:
        return [tuple(r) for r in s.execute(
            select(m.Team.name, m.Patient.code, m.Session.number, m.Rater.code, m.InstrumentRecord.key,
                   m.Assignment.queue_position, m.Assignment.id)
            .join(m.Team, m.Team.id == m.Assignment.team_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .where(m.Assignment.study_id == study_id)
        )]


def verify_design(rows, layout, k=3):
    """Check every rule on written rows; returns sessions per rater per team."""
    by_key = defaultdict(set)  # (team, patient, number, instrument) → raters
    for team, patient, number, rater, inst, _pos, _id in rows:
        assert rater not in by_key[(team, patient, number, inst)]
        by_key[(team, patient, number, inst)].add(rater)
    for team, ranges in TEAM_RANGES.items():
        for patient, numbers in layout.items():
            for number in numbers:
                sets = [by_key.get((team, patient, number, key), set()) for key, (lo, hi) in ranges.items()
                        if lo <= number <= hi]
                assert all(len(x) == k for x in sets), (team, patient, number, sets)
                assert all(x == sets[0] for x in sets), "a session's instruments must share their raters"
    sessions_of = defaultdict(set)  # (team, rater) → {(patient, number)}
    for team, patient, number, rater, *_ in rows:
        sessions_of[(team, rater)].add((patient, number))
    for (_team, rater), sessions in sessions_of.items():
        patients = Counter(p for p, _ in sessions)
        assert max(patients.values()) == 1, f"{rater} rates two sessions of one patient"
    expected = sum(len(sets) for sets in by_key.values())
    assert expected == len(rows)
    loads = defaultdict(list)
    for (team, _rater), sessions in sessions_of.items():
        loads[team].append(len(sessions))
    return loads


@pytest.fixture
def ct(db):
    return db, build_study(db)


def test_reference_design(ct):
    db, ids = ct
    report = generate_assignments(db, ids.study, seed=11)
    rows = written(db, ids.study)
    loads = verify_design(rows, CT_SESSIONS)
    assert not [r for r in rows if r[1] == "PRACTICE"]
    assert {t.team: (t.sessions, t.created, t.raters) for t in report.teams} == {
        "Team 1": (264, 792, 17), "Team 2": (264, 1584, 19)}
    for team in ("Team 1", "Team 2"):
        assert len(loads[team]) == (17 if team == "Team 1" else 19)
        assert max(loads[team]) - min(loads[team]) <= 1
    t1 = report.teams[0]
    assert (t1.load_min, t1.load_max) == (min(loads["Team 1"]), max(loads["Team 1"])) == (46, 47)
    # Queues: positions 0..n-1, not in treatment order, both HES instruments of a session side by side.
    queues = defaultdict(list)
    for _team, patient, number, rater, inst, pos, _id in rows:
        queues[rater].append((pos, patient, number, inst))
    for rater, entries in queues.items():
        entries.sort()
        assert [e[0] for e in entries] == list(range(len(entries)))
        order = [(p, n) for _, p, n, _ in entries]
        assert order != sorted(order), f"{rater}'s queue is in session order"
        if rater.startswith("T2"):
            assert all(order[i] == order[i + 1] for i in range(0, len(order), 2))
    with db.reading() as s:
        events = Counter(s.execute(select(m.AuditEvent.entity, m.AuditEvent.action)).all())
    assert events[("assignment", "create")] == 792 + 1584
    assert events[("team", "create")] == 2


def test_seed_reproduces_and_differs(tmp_path):
    def run(name, seed):
        db = open_database(tmp_path / f"{name}.sqlite")
        ids = build_study(db)
        report = generate_assignments(db, ids.study, seed=seed)
        rows = sorted(r[:6] for r in written(db, ids.study))
        db.close()
        return report, rows

    first, rows_a = run("a", 2024)
    _, rows_b = run("b", 2024)
    _, rows_c = run("c", 2025)
    assert rows_a == rows_b
    assert rows_a != rows_c
    drawn, rows_d = run("d", None)
    assert isinstance(drawn.seed, int) and first.seed == 2024
    assert run("e", drawn.seed)[1] == rows_d


def test_team_alone_matches_all_teams_run(tmp_path):
    db_a = open_database(tmp_path / "a.sqlite")
    ids_a = build_study(db_a)
    generate_assignments(db_a, ids_a.study, seed=5)
    db_b = open_database(tmp_path / "b.sqlite")
    ids_b = build_study(db_b)
    report = generate_assignments(db_b, ids_b.study, team_id=ids_b.teams["Team 2"], seed=5)
    assert [t.team for t in report.teams] == ["Team 2"]
    team2 = sorted(r[:6] for r in written(db_a, ids_a.study) if r[0] == "Team 2")
    assert sorted(r[:6] for r in written(db_b, ids_b.study)) == team2
    db_a.close()
    db_b.close()


def test_unbalanced_study_282_sessions(db):
    rng = random.Random(3)
    layout = {p: list(ns) for p, ns in CT_SESSIONS.items()}
    for p in list(layout)[:14]:  # drop-outs after session 2: 330 − 42 = 288 sessions took place
        layout[p] = [1, 2]
    for p, n in rng.sample([(p, n) for p, ns in layout.items() for n in ns], 6):  # 6 without a recording
        layout[p].remove(n)
    assert sum(len(ns) for ns in layout.values()) == 282
    ids = build_study(db, sessions=layout)
    report = generate_assignments(db, ids.study, seed=1)
    loads = verify_design(written(db, ids.study), layout)
    for team in ("Team 1", "Team 2"):
        assert max(loads[team]) - min(loads[team]) <= 1
    assert all(t.spread <= 1 for t in report.teams)


def test_too_few_raters_is_refused_and_nothing_written(db):
    ids = build_study(db, team_sizes=(17, 2))
    with pytest.raises(InfeasibleDesign) as err:
        generate_assignments(db, ids.study, seed=1)
    assert str(err.value) == "Team 2 has 2 raters but needs 3 per session"
    assert written(db, ids.study) == []


def test_patient_with_more_sessions_than_raters(db):
    ids = build_study(db, sessions={"P001": [1, 2, 3, 4], "P002": [1, 2]}, team_sizes=(11, 19))
    with pytest.raises(InfeasibleDesign) as err:
        generate_assignments(db, ids.study, seed=1)
    assert str(err.value) == (
        "patient P001 has 4 sessions to rate by 3 raters each (12 different raters) but Team 1 has only "
        "11 raters — each rater may rate only one session per patient")
    sessions = [PlanSession(f"s{n}", "P012", n) for n in range(1, 7)]
    with pytest.raises(InfeasibleDesign) as err:
        plan_assignments(sessions, [f"r{i}" for i in range(5)], 1, [(1, 6)], team="Team 1")
    assert str(err.value) == ("patient P012 has 6 sessions to rate but Team 1 has only 5 raters — "
                              "each rater may rate only one session per patient")


def test_incremental_run_keeps_and_completes(db):
    first = {p: ns for p, ns in CT_SESSIONS.items() if p <= "P040"}
    ids = build_study(db, sessions=first)
    generate_assignments(db, ids.study, seed=8)
    before = {r[6]: r for r in written(db, ids.study)}
    some = next(r for r in before.values() if r[4] == "hstbs")
    ws = Workstation(db)
    ws.open(some[6], ids.raters[some[3]])
    ws.set_response(some[6], ids.raters[some[3]], "asg1", 2)
    with db.transaction() as s:  # a half-done session and new patients arrive
        victim = next(r for r in before.values() if r[0] == "Team 2" and r[1] == "P005" and r[2] == 3)
        s.execute(m.Assignment.__table__.delete().where(
            m.Assignment.session_id == ids.sessions[("P005", 3)], m.Assignment.rater_id == ids.raters[victim[3]]))
        for p in range(41, 67):
            patient = m.Patient(study_id=ids.study, code=f"P{p:03d}")
            s.add(patient)
            s.flush()
            s.add_all([m.Session(patient_id=patient.id, number=n) for n in range(1, 6)])
    report = generate_assignments(db, ids.study, seed=9)
    after = {r[6]: r for r in written(db, ids.study)}
    kept = {aid: r for aid, r in before.items() if aid in after}
    assert len(kept) == len(before) - 2 and all(after[aid] == r for aid, r in kept.items())
    verify_design(list(after.values()), CT_SESSIONS)
    replaced = [r for aid, r in after.items() if aid not in before and r[1] == "P005" and r[2] == 3]
    assert len(replaced) == 2 and replaced[0][3] == replaced[1][3] != victim[3]
    team2 = next(t for t in report.teams if t.team == "Team 2")
    assert team2.created == 26 * 4 * 3 * 2 + 2 and team2.sessions_changed == 26 * 4 + 1
    again = generate_assignments(db, ids.study, seed=10)
    assert again.created == 0 and len(written(db, ids.study)) == len(after)


def test_new_instrument_goes_to_the_raters_already_watching(db):
    ids = build_study(db, sessions={p: ns for p, ns in CT_SESSIONS.items() if p <= "P020"})
    with db.transaction() as s:
        s.get(m.Rater, ids.raters["T1-17"]).active = False
    first = generate_assignments(db, ids.study, team_id=ids.teams["Team 1"], seed=3)
    assert first.teams[0].raters == 16 and "1 inactive rater(s) left out" in first.teams[0].warnings[0]
    before = written(db, ids.study)
    assert "T1-17" not in {r[3] for r in before}
    with db.transaction() as s:
        s.add(m.TeamInstrument(team_id=ids.teams["Team 1"], instrument_id=ids.instruments["hes_ct"],
                               session_min=1, session_max=4))
    report = generate_assignments(db, ids.study, team_id=ids.teams["Team 1"], seed=3)
    assert report.teams[0].created == len(before)
    rows = written(db, ids.study)
    raters = defaultdict(lambda: defaultdict(set))
    for _team, patient, number, rater, inst, _pos, _id in rows:
        raters[(patient, number)][inst].add(rater)
    assert all(v["hstbs"] == v["hes_ct"] and len(v["hstbs"]) == 3 for v in raters.values())
    last_old = defaultdict(int)
    for r in before:
        last_old[r[3]] = max(last_old[r[3]], r[5])
    assert all(r[5] > last_old[r[3]] for r in rows if r[4] == "hes_ct")


def _session_raters(db, ids, team, patient, number):
    return sorted({r[3] for r in written(db, ids.study) if r[0] == team and r[1] == patient and r[2] == number})


def test_manual_add_remove_swap(ct):
    db, ids = ct
    generate_assignments(db, ids.study, seed=4)
    t2, sid = ids.teams["Team 2"], ids.sessions[("P012", 2)]
    on_session = _session_raters(db, ids, "Team 2", "P012", 2)
    on_patient = {r[3] for r in written(db, ids.study) if r[0] == "Team 2" and r[1] == "P012"}
    elsewhere = sorted(on_patient - set(on_session))[0]
    free = sorted(c for c in ids.raters if c.startswith("T2") and c not in on_patient)

    with pytest.raises(AssignmentConflict, match="each rater may rate only one session per patient"):
        add_rater_to_session(db, sid, ids.raters[elsewhere], t2)
    with pytest.raises(AssignmentConflict, match="is not a member of Team 2"):
        add_rater_to_session(db, sid, ids.raters["T1-01"], t2)
    with pytest.raises(AssignmentConflict, match="Team 2 does not rate P012 session 1"):
        add_rater_to_session(db, ids.sessions[("P012", 1)], ids.raters[free[0]], t2)

    result = add_rater_to_session(db, sid, ids.raters[free[0]], t2)
    assert len(result.assignment_ids) == 2 and "now has 4 raters" in result.warnings[0]
    result = remove_rater_from_session(db, sid, ids.raters[free[0]], t2)
    assert len(result.assignment_ids) == 2 and result.warnings == ()
    result = remove_rater_from_session(db, sid, ids.raters[on_session[0]], t2)
    assert "now has 2 of 3 raters" in result.warnings[0]
    assert _session_raters(db, ids, "Team 2", "P012", 2) == on_session[1:]

    with pytest.raises(AssignmentConflict, match="only one session per patient"):
        swap_rater(db, sid, ids.raters[on_session[1]], ids.raters[elsewhere], t2)
    result = swap_rater(db, sid, ids.raters[on_session[1]], ids.raters[free[1]], t2)
    assert _session_raters(db, ids, "Team 2", "P012", 2) == sorted([on_session[2], free[1]])
    with db.reading() as s:
        swapped = s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity_id.in_(result.assignment_ids))).all()
        assert {(e.action, e.old, e.new) for e in swapped if e.action == "update"} == {
            ("update", on_session[1], free[1])}
        deleted = s.scalar(select(func.count()).select_from(m.AuditEvent).where(m.AuditEvent.action == "delete"))
    assert deleted == 4


def test_started_rating_cannot_be_removed_or_swapped(ct):
    db, ids = ct
    generate_assignments(db, ids.study, seed=4)
    t1, sid = ids.teams["Team 1"], ids.sessions[("P020", 1)]
    raters = _session_raters(db, ids, "Team 1", "P020", 1)
    aid = next(r[6] for r in written(db, ids.study) if r[1:4] == ("P020", 1, raters[0]))
    ws = Workstation(db)
    ws.open(aid, ids.raters[raters[0]])
    ws.set_response(aid, ids.raters[raters[0]], "asg1", 3)
    message = "has already started rating this session"
    with pytest.raises(AssignmentConflict, match=message) as err:
        remove_rater_from_session(db, sid, ids.raters[raters[0]], t1)
    assert str(err.value).endswith("reopen/delete is not allowed — nothing was removed")
    with pytest.raises(AssignmentConflict, match=message):
        swap_rater(db, sid, ids.raters[raters[0]], ids.raters["T1-17"], t1)
    assert _session_raters(db, ids, "Team 1", "P020", 1) == raters
    # Opened but nothing entered: removal is allowed and takes the empty rating with it.
    aid2 = next(r[6] for r in written(db, ids.study) if r[1:4] == ("P020", 1, raters[1]))
    ws.open(aid2, ids.raters[raters[1]])
    remove_rater_from_session(db, sid, ids.raters[raters[1]], t1)
    with db.reading() as s:
        assert s.scalar(select(m.Rating).where(m.Rating.assignment_id == aid2)) is None


def _brute_optimum(sessions, raters, k, ranges, existing):
    """Smallest max load, then largest min load, by an independent integer program (scipy MILP)."""
    opt = pytest.importorskip("scipy.optimize")
    import numpy as np

    used, loads, need = defaultdict(set), dict.fromkeys(raters, 0), Counter()
    by_id = {s.id: s for s in sessions}
    for sid, rs in existing.items():
        used[by_id[sid].patient].update(rs)
        for r in set(rs) & set(raters):
            loads[r] += 1
    for s in sessions:
        if ranges[0][0] <= s.number <= ranges[0][1]:
            need[s.patient] += max(0, k - len(set(existing.get(s.id, ()))))
    pairs = [(p, r) for p in need if need[p] for r in raters if r not in used[p]]
    n, rows, lb, ub = len(pairs), [], [], []
    for p in [p for p in need if need[p]]:
        rows.append([1.0 * (q == p) for q, _ in pairs] + [0, 0])
        lb.append(need[p])
        ub.append(need[p])
    for r in raters:
        mine = [1.0 * (x == r) for _, x in pairs]
        rows += [mine + [-1, 0], mine + [0, -1]]
        lb += [-np.inf, -loads[r]]
        ub += [-loads[r], np.inf]

    def solve(cost, fix_hi=None):
        lo, hi = np.r_[np.zeros(n), -1e4, -1e4], np.r_[np.ones(n), 1e4, 1e4]
        if fix_hi is not None:
            lo[n] = hi[n] = fix_hi
        res = opt.milp(np.r_[np.zeros(n), cost], integrality=np.ones(n + 2), bounds=opt.Bounds(lo, hi),
                       constraints=opt.LinearConstraint(np.array(rows), lb, ub))
        return res.x

    top = round(solve([1, 0])[n])
    return round(solve([0, -1], top)[n + 1]), top


@pytest.mark.parametrize("trial", range(40))
def test_planner_balance_is_optimal_with_existing_assignments(trial):
    rng = random.Random(trial)
    n_numbers, raters, k = rng.randint(2, 5), [f"r{i}" for i in range(rng.randint(3, 9))], rng.randint(1, 3)
    sessions = [PlanSession(f"p{p}-{n}", f"P{p}", n) for p in range(rng.randint(2, 8))
                for n in range(1, n_numbers + 1) if rng.random() > 0.15]
    existing = {s.id: rng.sample(raters, rng.randint(1, k)) for s in sessions if rng.random() < 0.4}
    ranges = [(1, rng.randint(1, n_numbers))]
    try:
        plan = plan_assignments(sessions, raters, k, ranges, existing, seed=trial)
    except InfeasibleDesign:
        return
    check_plan(plan, sessions, raters, k, ranges, existing)
    assert (plan.min_load, plan.max_load) == _brute_optimum(sessions, raters, k, ranges, existing)


def test_check_plan_catches_a_broken_plan():
    sessions = [PlanSession(f"s{p}{n}", f"P{p}", n) for p in range(3) for n in (1, 2)]
    raters = [f"r{i}" for i in range(6)]
    plan = plan_assignments(sessions, raters, 2, [(1, 2)], seed=1)
    first, second = plan.added["s01"], plan.added["s02"]
    bad = {**plan.added, "s02": (first[0], second[1])}
    broken = Plan(plan.seed, 2, {**plan.raters_by_session, "s02": bad["s02"]}, bad, plan.queues, plan.loads,
                  plan.method)
    with pytest.raises(PlanError, match="two sessions of patient P0"):
        check_plan(broken, sessions, raters, 2, [(1, 2)])


def _cli(args):
    from rater.commands import assign

    parser = argparse.ArgumentParser()
    assign.register(parser.add_subparsers(dest="command"))
    parsed = parser.parse_args(["assign", *args])
    return parsed.handler(parsed)


def test_command_prints_summary_and_fails_on_impossible_design(tmp_path, capsys):
    path = tmp_path / "lab.sqlite"
    db = open_database(path)
    build_study(db, sessions={p: ns for p, ns in CT_SESSIONS.items() if p <= "P010"})
    db.close()
    assert _cli(["--db", str(path), "--seed", "7", "--team", "Team 1"]) == 0
    out = capsys.readouterr().out
    assert "Team 1: 17 raters, 3 per session" in out and "40 sessions" in out and "--seed 7" in out
    assert "load 7–8 sessions per rater" in out
    db = open_database(path)
    build_study(db, sessions={"Q001": [1]}, team_sizes=(2, 19), code="OTHER")
    db.close()
    assert _cli(["--db", str(path), "--study", "OTHER"]) == 1
    assert "Team 1 has 2 raters but needs 3 per session" in capsys.readouterr().err
    assert _cli(["--db", str(path), "--study", "HWCT", "--team", "Team 9"]) == 1


def test_core_modules_do_not_import_qt():
    code = ("import sys, rater.study.assign, rater.commands.assign; "
            "bad = [n for n in sys.modules if n.split('.')[0] in ('PySide6', 'vlc')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
