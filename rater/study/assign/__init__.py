"""Generating assignments for a study's teams, and the report a coordinator reads.

Generation is incremental: sessions that already have their raters are left
alone, sessions with some raters are completed, and no existing assignment
(and so no rating) is ever deleted or moved. All teams are planned before
anything is written, in one transaction, so an impossible design leaves the
database untouched. Manual edits live in :mod:`rater.study.assign.edit` and
are re-exported here.
"""

from __future__ import annotations

import logging
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.assign.db import (
    TeamSetup,
    active_members,
    assignment_row,
    audit_row,
    describe,
    insert_rows,
    load_team,
    next_positions,
)
from rater.study.assign.edit import (
    AssignmentConflict,
    EditResult,
    add_rater_to_session,
    remove_rater_from_session,
    swap_rater,
)
from rater.study.assign.plan import InfeasibleDesign, Plan, PlanSession, plan_assignments
from rater.study.errors import NotFound

__all__ = [
    "AssignmentConflict", "AssignmentReport", "EditResult", "InfeasibleDesign", "TeamReport", "add_rater_to_session",
    "format_report", "generate_assignments", "remove_rater_from_session", "swap_rater",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamReport:
    """What one team's run did. Loads count sessions per active rater (both instruments of a session = 1)."""

    team_id: str
    team: str
    rates: str  # e.g. "HES-General on sessions 2–5; HES-CT on sessions 2–5"
    raters: int
    raters_per_session: int
    sessions: int  # eligible (non-practice, in range) sessions
    sessions_changed: int  # sessions that received new assignments in this run
    created: int
    assignments: int  # the team's study assignments after the run
    load_min: int
    load_max: int
    method: str
    warnings: tuple[str, ...] = ()

    @property
    def spread(self) -> int:
        return self.load_max - self.load_min


@dataclass(frozen=True)
class AssignmentReport:
    study_id: str
    study_code: str
    seed: int
    teams: tuple[TeamReport, ...]

    @property
    def created(self) -> int:
        return sum(t.created for t in self.teams)

    @property
    def warnings(self) -> list[str]:
        return [w for t in self.teams for w in t.warnings]


@dataclass
class _TeamWork:
    setup: TeamSetup
    members: dict[str, str]  # rater id → code
    existing: list[tuple[str, str, str]]  # (session id, rater id, instrument id)
    plan: Plan
    inactive: int


def generate_assignments(
    db: Database, study_id: str, team_id: str | None = None, seed: int | None = None, actor: str = "coordinator"
) -> AssignmentReport:
    """Assign raters to every eligible session of the study's teams (or of ``team_id`` only).

    ``seed`` makes the run reproducible; when None one is drawn and reported.
    Raises :class:`InfeasibleDesign` (nothing written) when a team cannot meet the rules.
    """
    if seed is None:
        seed = random.SystemRandom().randrange(1, 1_000_000)
    with db.transaction() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise NotFound("This study no longer exists.")
        if team_id is not None:
            team = s.get(m.Team, team_id)
            if team is None or team.study_id != study_id:
                raise NotFound("This team is not part of the study.")
            team_ids = [team_id]
        else:
            team_ids = list(s.scalars(select(m.Team.id).where(m.Team.study_id == study_id).order_by(m.Team.name)))
        sessions = [PlanSession(*row) for row in s.execute(
            select(m.Session.id, m.Patient.code, m.Session.number)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .where(m.Patient.study_id == study_id, m.Session.is_practice.is_(False))
        )]
        codes = dict(s.execute(select(m.Rater.id, m.Rater.code).where(m.Rater.study_id == study_id)).all())
        # Plan every team before writing anything: an impossible team must not leave others half-done.
        work = [_plan_team(s, tid, sessions, codes, seed) for tid in team_ids]
        reports = tuple(_write_team(s, w, sessions, codes, seed, actor) for w in work)
    log.info("assignments for study %s: %d created (seed %d)", study.code, sum(r.created for r in reports), seed)
    return AssignmentReport(study_id, study.code, seed, reports)


def _plan_team(s: DbSession, team_id: str, sessions: list[PlanSession], codes: dict[str, str], seed: int) -> _TeamWork:
    setup = load_team(s, team_id)
    members = active_members(s, team_id)
    all_members = s.scalar(select(func.count()).select_from(m.TeamMember).where(m.TeamMember.team_id == team_id))
    existing = [tuple(row) for row in s.execute(
        select(m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id)
        .where(m.Assignment.team_id == team_id, m.Assignment.purpose == "study")
    )]
    kept: dict[str, set[str]] = defaultdict(set)
    for session_id, rater_id, _instrument in existing:
        kept[session_id].add(codes[rater_id])
    # The team name in the seed keeps a team's plan the same whether it is generated alone or with others.
    plan = plan_assignments(sessions, members.values(), setup.k, setup.ranges, kept,
                            seed=f"{seed}/{setup.name}", team=setup.name)
    return _TeamWork(setup, members, existing, plan, (all_members or 0) - len(members))


def _write_team(s: DbSession, w: _TeamWork, sessions: list[PlanSession], codes: dict[str, str], seed: int,
                actor: str) -> TeamReport:
    setup, plan = w.setup, w.plan
    by_id = {x.id: x for x in sessions}
    member_id = {code: rid for rid, code in w.members.items()}
    have_pair = {(sid, rid, iid) for sid, rid, iid in w.existing}
    have_count = Counter((sid, iid) for sid, _rid, iid in w.existing)
    warnings: list[str] = []
    if not setup.instruments:
        warnings.append(f"{setup.name} rates no instrument yet; nothing to assign")
    if w.inactive:
        warnings.append(f"{setup.name}: {w.inactive} inactive rater(s) left out")
    new: dict[str, list[tuple[str, str]]] = defaultdict(list)  # rater id → (session id, instrument id)
    for sid, raters in plan.raters_by_session.items():
        sess = by_id[sid]
        for inst in setup.instruments_for(sess.number):
            count = have_count[(sid, inst.instrument_id)]
            # Kept raters first: a rater already watching this session also rates its other instruments.
            for code in raters:
                rid = member_id.get(code)
                if count >= setup.k:
                    break
                if rid is not None and (sid, rid, inst.instrument_id) not in have_pair:
                    new[rid].append((sid, inst.instrument_id))
                    count += 1
            if count < setup.k:
                warnings.append(f"{sess.patient} session {sess.number} has only {count} of {setup.k} raters "
                                f"for {inst.name} (a kept rater is no longer an active member)")
    rows, events = _rows(s, w, new, by_id, codes, seed, actor)
    insert_rows(s, rows, events)
    total = len(w.existing) + len(rows)
    if rows:
        summary = {"seed": seed, "created": len(rows), "sessions": len(plan.raters_by_session),
                   "load_min": plan.min_load, "load_max": plan.max_load}
        insert_rows(s, [], [audit_row(actor=actor, study_id=setup.study_id, action="create", entity="team",
                                      entity_id=setup.id, field="assignments", new=summary,
                                      reason="generate assignments")])
    log.info("%s: %d assignments created, loads %d–%d", setup.name, len(rows), plan.min_load, plan.max_load)
    return TeamReport(
        team_id=setup.id, team=setup.name, rates=setup.rates_label, raters=len(w.members),
        raters_per_session=setup.k, sessions=len(plan.raters_by_session),
        sessions_changed=len({r["session_id"] for r in rows}), created=len(rows), assignments=total,
        load_min=plan.min_load, load_max=plan.max_load, method=plan.method, warnings=tuple(warnings),
    )


def _rows(s: DbSession, w: _TeamWork, new: dict[str, list[tuple[str, str]]], by_id: dict[str, PlanSession],
          codes: dict[str, str], seed: int, actor: str) -> tuple[list[dict], list[dict]]:
    """Assignment rows in each rater's queue order, with one audit event per assignment.

    A rater's new sessions follow the plan's random queue; the instruments of
    one session sit next to each other because the rater watches it once.
    """
    setup = w.setup
    keys = {i.instrument_id: i.key for i in setup.instruments}
    inst_order = {i.instrument_id: n for n, i in enumerate(setup.instruments)}
    positions = next_positions(s, sorted(new))
    rng = random.Random(f"{seed}/{setup.name}/completion")
    rows: list[dict] = []
    events: list[dict] = []
    for rid in sorted(new):
        planned = w.plan.queues.get(codes[rid], ())
        rank = {sid: n for n, sid in enumerate(planned)}
        # Sessions where a kept rater only gains an instrument are not in the plan's queue; they go last.
        extra = sorted({sid for sid, _ in new[rid] if sid not in rank},
                       key=lambda x: (by_id[x].patient, by_id[x].number))
        rng.shuffle(extra)
        rank.update({sid: len(planned) + n for n, sid in enumerate(extra)})
        position = positions[rid]
        for sid, iid in sorted(new[rid], key=lambda x: (rank[x[0]], inst_order[x[1]])):
            row = assignment_row(study_id=setup.study_id, session_id=sid, rater_id=rid, instrument_id=iid,
                                 team_id=setup.id, position=position)
            rows.append(row)
            sess = by_id[sid]
            events.append(audit_row(actor=actor, study_id=setup.study_id, action="create", entity="assignment",
                                    entity_id=row["id"], field="assignment",
                                    new=describe(sess.patient, sess.number, codes[rid], keys[iid], position),
                                    reason=f"generated with seed {seed}"))
            position += 1
    return rows, events


def format_report(report: AssignmentReport) -> str:
    """A plain-text summary for the command line and the coordinator's window."""
    lines = [f"Study {report.study_code}: {report.created} assignment(s) created (seed {report.seed})"]
    for t in report.teams:
        lines.append(f"  {t.team}: {t.raters} raters, {t.raters_per_session} per session — {t.rates}")
        lines.append(f"    {t.sessions} sessions ({t.sessions_changed} changed in this run), "
                     f"{t.created} new assignment(s), {t.assignments} in total")
        lines.append(f"    load {t.load_min}–{t.load_max} sessions per rater (spread {t.spread})")
        lines.extend(f"    warning: {w}" for w in t.warnings)
    lines.append(f"Reproduce with --seed {report.seed}.")
    return "\n".join(lines)
