"""Planning who rates which session: a pure function, no database.

The rules (Conklin, Strunk & Cooper's design): every eligible session is rated
by ``k`` different raters of the team; a rater rates at most one session per
patient (so that knowing one session of a patient does not colour the rating
of another); workloads are as even as the constraints allow; each rater's
queue comes in a random order so that raters do not drift together through
the study in treatment order. The same seed and inputs give the same plan.

Why the greedy pass is enough in the common case: the one-session-per-patient
rule ties a patient's sessions together but not patients to each other, so a
patient needing ``n`` slots can take any ``n`` distinct allowed raters. Taking
the ``n`` least-loaded ones keeps the loads within one of each other when
every rater is allowed (the usual fresh run). When earlier assignments make
that impossible to guarantee, a max-flow finds the most even loads.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rater.study.assign.flow import balance_by_flow
from rater.study.assign.patient_rule import RULE, PatientRule
from rater.study.errors import StudyError
from rater.study.setup.session_range import any_covers

log = logging.getLogger(__name__)

Range = tuple[int | None, int | None]


class InfeasibleDesign(StudyError):
    """The team cannot rate its sessions under the rules; the message says why."""


class PlanError(RuntimeError):
    """A plan breaks a rule it must keep: a bug, never a user error."""


@dataclass(frozen=True)
class PlanSession:
    """A session as the planner sees it: ``patient`` is a code, ``number`` the session number."""

    id: str
    patient: str
    number: int


@dataclass(frozen=True)
class Plan:
    """Who rates which session. Loads count sessions (a session's instruments share its raters)."""

    seed: int | str
    k: int
    raters_by_session: Mapping[str, tuple[str, ...]]  # eligible session → kept raters, then added ones
    added: Mapping[str, tuple[str, ...]]  # session → raters added by this plan
    queues: Mapping[str, tuple[str, ...]]  # rater → added sessions in random order
    loads: Mapping[str, int]  # team rater → sessions in total (kept + added)
    method: str  # "greedy" or "flow"

    @property
    def min_load(self) -> int:
        return min(self.loads.values(), default=0)

    @property
    def max_load(self) -> int:
        return max(self.loads.values(), default=0)

    @property
    def spread(self) -> int:
        """Largest minus smallest load: 0 or 1 whenever the design allows it."""
        return self.max_load - self.min_load

    @property
    def added_count(self) -> int:
        return sum(len(r) for r in self.added.values())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _infeasible_patient(patient: str, numbers: list[int], need: int, free: int, k: int, team: str,
                        team_size: int, fresh: bool) -> str:
    if fresh and k == 1:
        return (f"patient {patient} has {len(numbers)} sessions to rate but {team} has only "
                f"{_plural(team_size, 'rater')} — {RULE}")
    if fresh:
        return (f"patient {patient} has {len(numbers)} sessions to rate by {k} raters each "
                f"({need} different raters) but {team} has only {_plural(team_size, 'rater')} — {RULE}")
    listed = ", ".join(str(n) for n in numbers)
    return (f"patient {patient} needs {need} more raters (sessions {listed}) but only "
            f"{_plural(free, 'rater')} of {team} {'has' if free == 1 else 'have'} not already rated "
            f"one of its sessions — {RULE}")


def plan_assignments(
    sessions: Sequence[PlanSession],
    raters: Iterable[str],
    k: int,
    ranges: Sequence[Range],
    existing: Mapping[str, Iterable[str]] | None = None,
    seed: int | str = 0,
    team: str = "the team",
) -> Plan:
    """Plan ``k`` raters for every session whose number lies in ``ranges``.

    ``sessions``: the study's (non-practice) sessions; ``raters``: the team's
    raters who may get new work; ``existing``: session id → raters already
    assigned by this team, kept as they are (they count towards ``k`` and
    towards the one-session-per-patient rule). ``team`` names the team in
    error messages. Raises :class:`InfeasibleDesign` when the rules cannot be met.
    """
    if k < 1:
        raise InfeasibleDesign(f"{team} needs at least 1 rater per session (raters per session is {k})")
    rng = random.Random(seed)
    # Canonical order first, so the seed alone decides the outcome whatever order the caller used.
    pool = sorted(set(raters))
    by_id = {s.id: s for s in sorted(sessions, key=lambda s: (s.patient, s.number, s.id))}
    kept = {sid: tuple(sorted(set(rs))) for sid, rs in (existing or {}).items() if sid in by_id}
    rule = PatientRule((by_id[sid].patient, r, sid) for sid, rs in kept.items() for r in rs)
    loads = dict.fromkeys(pool, 0)
    for rs in kept.values():
        for r in rs:
            if r in loads:
                loads[r] += 1
    eligible = [s for s in by_id.values() if any_covers(ranges, s.number)]
    need = {s.id: max(0, k - len(kept.get(s.id, ()))) for s in eligible}
    if any(need.values()) and len(pool) < k:
        raise InfeasibleDesign(f"{team} has {_plural(len(pool), 'rater')} but needs {k} per session")

    patient_sessions: dict[str, list[PlanSession]] = defaultdict(list)
    for s in eligible:
        if need[s.id]:
            patient_sessions[s.patient].append(s)
    patient_need = {p: sum(need[s.id] for s in ss) for p, ss in patient_sessions.items()}
    allowed = {p: rule.free(p, pool) for p in patient_sessions}
    problems = [
        _infeasible_patient(p, [s.number for s in patient_sessions[p]], patient_need[p], len(allowed[p]), k,
                            team, len(pool), fresh=rule.untouched(p))
        for p in sorted(patient_sessions) if patient_need[p] > len(allowed[p])
    ]
    if problems:
        more = f" (and {_plural(len(problems) - 1, 'more patient')} like it)" if len(problems) > 1 else ""
        raise InfeasibleDesign(problems[0] + more)

    chosen, method = _greedy(patient_need, allowed, dict(loads), rng), "greedy"
    greedy_loads = _loads_after(loads, chosen)
    if not _surely_optimal(greedy_loads):
        flow_chosen, lo, hi = balance_by_flow(patient_need, allowed, loads, pool, rng)
        g_lo, g_hi = min(greedy_loads.values()), max(greedy_loads.values())
        if (hi, -lo) < (g_hi, -g_lo):
            chosen, method = flow_chosen, "flow"
    plan = _deal(chosen, patient_sessions, need, kept, eligible, loads, rng, seed, k, method)
    check_plan(plan, sessions, pool, k, ranges, existing)
    log.info("%s: planned %d new assignments over %d sessions, loads %d–%d (%s, seed %s)", team,
             plan.added_count, len(eligible), plan.min_load, plan.max_load, method, seed)
    return plan


def _greedy(patient_need: Mapping[str, int], allowed: Mapping[str, list[str]], loads: dict[str, int],
            rng: random.Random) -> dict[str, list[str]]:
    # Most constrained patients first (fewest spare raters), ties in seeded random order.
    order = sorted(patient_need, key=lambda p: (len(allowed[p]) - patient_need[p], rng.random()))
    chosen: dict[str, list[str]] = {}
    for p in order:
        tiebreak = {r: rng.random() for r in allowed[p]}
        picks = sorted(allowed[p], key=lambda r: (loads[r], tiebreak[r]))[: patient_need[p]]
        for r in picks:
            loads[r] += 1
        chosen[p] = picks
    return chosen


def _loads_after(loads: Mapping[str, int], chosen: Mapping[str, list[str]]) -> dict[str, int]:
    after = dict(loads)
    for picks in chosen.values():
        for r in picks:
            after[r] += 1
    return after


def _surely_optimal(loads: Mapping[str, int]) -> bool:
    """Loads that differ by at most one, and by none when the total divides evenly, cannot be improved."""
    if not loads:
        return True
    spread = max(loads.values()) - min(loads.values())
    return spread == 0 or (spread == 1 and sum(loads.values()) % len(loads) != 0)


def _deal(chosen: Mapping[str, list[str]], patient_sessions: Mapping[str, list[PlanSession]],
          need: Mapping[str, int], kept: Mapping[str, tuple[str, ...]], eligible: Sequence[PlanSession],
          loads: Mapping[str, int], rng: random.Random, seed: int | str, k: int, method: str) -> Plan:
    """Hand each patient's chosen raters to its sessions at random and shuffle every queue."""
    added: dict[str, tuple[str, ...]] = {}
    for p in sorted(chosen):
        picks = list(chosen[p])
        rng.shuffle(picks)
        for s in patient_sessions[p]:
            added[s.id], picks = tuple(picks[: need[s.id]]), picks[need[s.id]:]
    queues: dict[str, list[str]] = {r: [] for r in loads}
    for s in eligible:
        for r in added.get(s.id, ()):
            queues[r].append(s.id)
    for r in sorted(queues):
        rng.shuffle(queues[r])
    return Plan(
        seed=seed,
        k=k,
        raters_by_session={s.id: kept.get(s.id, ()) + added.get(s.id, ()) for s in eligible},
        added=added,
        queues={r: tuple(q) for r, q in queues.items()},
        loads=_loads_after(loads, {sid: list(rs) for sid, rs in added.items()}),
        method=method,
    )


def check_plan(plan: Plan, sessions: Sequence[PlanSession], raters: Iterable[str], k: int,
               ranges: Sequence[Range], existing: Mapping[str, Iterable[str]] | None = None) -> None:
    """Re-derive every rule from the plan itself; raise :class:`PlanError` on the first broken one."""
    pool = set(raters)
    by_id = {s.id: s for s in sessions}
    kept = {sid: set(rs) for sid, rs in (existing or {}).items() if sid in by_id}
    rule = PatientRule((by_id[sid].patient, r, sid) for sid, rs in kept.items() for r in rs)
    eligible = {s.id for s in sessions if any_covers(ranges, s.number)}
    if set(plan.raters_by_session) != eligible:
        raise PlanError("the plan does not cover exactly the eligible sessions")
    for sid, added in plan.added.items():
        s = by_id[sid]
        if len(set(added)) != len(added) or set(added) & kept.get(sid, set()) or not set(added) <= pool:
            raise PlanError(f"session {s.patient}/{s.number}: repeated, kept or unknown raters added")
        for r in added:
            if rule.clash(s.patient, r, sid) is not None:
                raise PlanError(f"rater {r} would rate two sessions of patient {s.patient}")
            rule.take(s.patient, r, sid)
    for sid in eligible:
        have = len(plan.raters_by_session[sid])
        if have < k or (plan.added.get(sid) and have != k):
            raise PlanError(f"session {by_id[sid].patient}/{by_id[sid].number} has {have} raters, not {k}")
    recount = {r: 0 for r in pool}
    for rs in kept.values():
        for r in rs & pool:
            recount[r] += 1
    for added in plan.added.values():
        for r in added:
            recount[r] += 1
    if recount != dict(plan.loads):
        raise PlanError("reported loads do not match the assignments")
    for r, queue in plan.queues.items():
        if sorted(queue) != sorted(sid for sid, added in plan.added.items() if r in added):
            raise PlanError(f"the queue of rater {r} does not match their new sessions")
