"""Assignment generation on the reference design: 66 patients × sessions 1–5, teams of 17 and 19.

Times planning alone (both teams, no database) and ``generate_assignments`` end
to end on a fresh SQLite file (2,376 assignments plus their audit events),
median of 3 runs each. Target: well under 2 s.

Usage: python bench/bench_assign.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from rater.instruments.loader import bundled_instrument_files
from rater.storage import models as m
from rater.storage import open_database
from rater.storage.database import Database
from rater.study.assign import generate_assignments
from rater.study.assign.plan import PlanSession, plan_assignments
from rater.study.instruments import register_file

TEAMS = {"Team 1": (17, {"hstbs": (1, 4)}), "Team 2": (19, {"hes_general": (2, 5), "hes_ct": (2, 5)})}
PATIENTS, NUMBERS, K = 66, range(1, 6), 3


def build(db: Database) -> str:
    """Create the reference study; returns its id."""
    with db.transaction() as s:
        study = m.Study(name="Homework in CT", code="HWCT")
        s.add(study)
        s.flush()
        keys = {row.key: row.id for row in (register_file(s, p) for p in bundled_instrument_files())}
        for name, (size, rates) in TEAMS.items():
            team = m.Team(study_id=study.id, name=name, raters_per_session=K)
            s.add(team)
            s.flush()
            s.add_all(m.TeamInstrument(team_id=team.id, instrument_id=keys[key], session_min=lo, session_max=hi)
                      for key, (lo, hi) in rates.items())
            for i in range(1, size + 1):
                rater = m.Rater(study_id=study.id, code=f"T{name[-1]}-{i:02d}", name=f"Rater {i}")
                s.add(rater)
                s.flush()
                s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
        for p in range(1, PATIENTS + 1):
            patient = m.Patient(study_id=study.id, code=f"P{p:03d}")
            s.add(patient)
            s.flush()
            s.add_all(m.Session(patient_id=patient.id, number=n) for n in NUMBERS)
        return study.id


def time_planning() -> tuple[float, str]:
    sessions = [PlanSession(f"P{p:03d}/{n}", f"P{p:03d}", n) for p in range(1, PATIENTS + 1) for n in NUMBERS]
    start = time.perf_counter()
    plans = []
    for name, (size, rates) in TEAMS.items():
        raters = [f"T{name[-1]}-{i:02d}" for i in range(1, size + 1)]
        plans.append(plan_assignments(sessions, raters, K, list(rates.values()), seed=1, team=name))
    elapsed = time.perf_counter() - start
    return elapsed, ", ".join(f"loads {p.min_load}–{p.max_load} ({p.method})" for p in plans)


def time_generate(tmp: Path, run: int) -> tuple[float, int]:
    db = open_database(tmp / f"bench{run}.sqlite")
    try:
        study_id = build(db)
        start = time.perf_counter()
        report = generate_assignments(db, study_id, seed=run)
        elapsed = time.perf_counter() - start
        return elapsed, report.created
    finally:
        db.close()


def main(runs: int = 3) -> None:
    plan_times = []
    for _ in range(runs):
        elapsed, loads = time_planning()
        plan_times.append(elapsed)
    print(f"planning, 2 teams, {PATIENTS}×{len(NUMBERS)} sessions (median of {runs}): "
          f"{statistics.median(plan_times) * 1000:.1f} ms — {loads}")
    with tempfile.TemporaryDirectory() as tmp:
        results = [time_generate(Path(tmp), run) for run in range(runs)]
    times = [t for t, _ in results]
    print(f"generate_assignments end to end, SQLite, {results[0][1]} assignments + audit (median of {runs}): "
          f"{statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
