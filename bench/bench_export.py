"""Export of a large study: time and peak memory, against openpyxl alone.

The study: 3,000 patients × sessions 1–5 = 15,000 sessions; team 1 (17
raters) rates the HSTBS and team 2 (19 raters) the HES-General and HES-CT,
three raters of each team per session; about 0.95 M item scores (Review is
not rated in session 1). Rows are inserted with Core bulk inserts (no
Workstation, no audit trail) into a fresh SQLite file, or reused with --db.

Each measurement runs in its own process so ``ru_maxrss`` is that step's peak:

* export: ``export_study`` to .xlsx (reading, scoring, reliability, writing);
* csv: ``export_study`` to a CSV folder;
* openpyxl: the same sheets' rows built in memory first (not timed), then
  only openpyxl write-only appending them and saving — the floor for any
  export that writes these cells with openpyxl.

Targets: export ≤ 20 s, ≤ 400 MB, and ≤ 1.5 × the openpyxl figure.

Usage: python bench/bench_export.py [--sessions N] [--db FILE] [--keep]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rater.instruments.loader import bundled_instrument_files  # noqa: E402
from rater.storage import models as m  # noqa: E402
from rater.storage import open_database  # noqa: E402
from rater.study.instruments import instrument_of, register_file  # noqa: E402

TEAMS = {"Team 1": (17, ("hstbs",)), "Team 2": (19, ("hes_general", "hes_ct"))}
K = 3
CHUNK = 50_000


def _id() -> str:
    return str(uuid.uuid4())


def generate(path: Path, n_sessions: int, seed: int = 20240601) -> str:
    """Create the benchmark study in ``path``; returns its id."""
    rng = random.Random(seed)
    db = open_database(path)
    start = datetime(2024, 1, 8, 9, 0)
    with db.transaction() as s:
        study = m.Study(name="Export benchmark", code="BENCH")
        s.add(study)
        s.flush()
        rows = {row.key: row for row in (register_file(s, p) for p in bundled_instrument_files())}
        models = {key: instrument_of(row) for key, row in rows.items()}
        conn = s.connection()
        teams, members = [], {}
        for name, (size, keys) in TEAMS.items():
            team_id = _id()
            teams.append({"id": team_id, "study_id": study.id, "name": name, "description": "",
                          "raters_per_session": K, "keeps_homework_log": name == "Team 2"})
            members[team_id] = ([_id() for _ in range(size)], keys)
        conn.execute(m.Team.__table__.insert(), teams)
        conn.execute(m.TeamInstrument.__table__.insert(), [
            {"id": _id(), "team_id": tid, "instrument_id": rows[key].id, "session_min": 1, "session_max": 5}
            for tid, (_r, keys) in members.items() for key in keys])
        raters, team_members = [], []
        for t, (tid, (ids, _keys)) in enumerate(members.items(), 1):
            for i, rid in enumerate(ids, 1):
                raters.append({"id": rid, "study_id": study.id, "code": f"T{t}-{i:02d}", "name": f"Rater {t}-{i}",
                               "active": True, "created_at": start})
                team_members.append({"team_id": tid, "rater_id": rid})
        conn.execute(m.Rater.__table__.insert(), raters)
        conn.execute(m.TeamMember.__table__.insert(), team_members)
        leniency = {r["id"]: rng.gauss(0, 0.3) for r in raters}

        patients, sessions = [], []
        for p in range(-(-n_sessions // 5)):
            pid = _id()
            patients.append({"id": pid, "study_id": study.id, "code": f"P{p + 1:04d}", "meta": {}})
            for number in range(1, min(5, n_sessions - 5 * p) + 1):
                sessions.append({"id": _id(), "patient_id": pid, "number": number, "is_practice": False,
                                 "meta": {}, "date": (start + timedelta(days=7 * number + p % 300)).date()})
        conn.execute(m.Patient.__table__.insert(), patients)
        for i in range(0, len(sessions), CHUNK):
            conn.execute(m.Session.__table__.insert(), sessions[i:i + CHUNK])

        assignments, ratings, scores = [], [], []

        def flush() -> None:
            conn.execute(m.Assignment.__table__.insert(), assignments)
            conn.execute(m.Rating.__table__.insert(), ratings)
            conn.execute(m.ItemScore.__table__.insert(), scores)
            assignments.clear(), ratings.clear(), scores.clear()

        for n, sess in enumerate(sessions):
            level = rng.gauss(2.0, 0.9)
            for tid, (ids, keys) in members.items():
                for rid in rng.sample(ids, K):
                    when = start + timedelta(days=n % 200, minutes=rng.randrange(600))
                    for key in keys:
                        aid, rating_id = _id(), _id()
                        assignments.append({"id": aid, "study_id": study.id, "session_id": sess["id"],
                                            "rater_id": rid, "instrument_id": rows[key].id, "team_id": tid,
                                            "queue_position": n, "status": "submitted", "purpose": "study",
                                            "created_at": start})
                        ratings.append({"id": rating_id, "assignment_id": aid, "revision": 30, "started_at": when,
                                        "updated_at": when, "submitted_at": when, "last_position_ms": 0,
                                        "time_spent_ms": 0, "played_intervals": [], "played_ms": 0})
                        model = models[key]
                        for item in model.items:
                            if model.item_applies(item.id, sess["number"]):
                                raw = round(level * item.max / 4 + leniency[rid] + rng.gauss(0, 0.7))
                                scores.append({"id": _id(), "rating_id": rating_id, "item_id": item.id,
                                               "value": min(item.max, max(item.min, raw)), "is_na": False,
                                               "note": "", "updated_at": when})
            if len(scores) >= CHUNK:
                flush()
        flush()
        study_id = study.id
    db.close()
    return study_id


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_export(db_path: str, out: str, kind: str) -> dict:
    from rater.export import export_study

    db = open_database(db_path, migrate=False)
    study_id = db_study(db)
    started, cpu = time.perf_counter(), time.process_time()
    if kind == "xlsx":
        summary = export_study(db, study_id, xlsx=out)
    else:
        summary = export_study(db, study_id, csv_dir=out)
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "peak_mb": _peak_mb(),
            "item_scores": summary.counts.item_scores}


def child_openpyxl(db_path: str, out: str) -> dict:
    from openpyxl import Workbook

    from rater.export.dataset import load_study
    from rater.export.exporter import build_sheets, study_reliability

    db = open_database(db_path, migrate=False)
    data = load_study(db, db_study(db))
    sheets = build_sheets(data, data.counts(), study_reliability(data), datetime(2024, 1, 1))
    prepared = []
    for sheet in sheets:
        rows: list = []
        for table in sheet.tables:
            rows += [table.header, *(list(r) for r in table.iter_rows())]
        prepared.append((sheet.title, rows))
    cells = sum(len(r) for _t, rows in prepared for r in rows)
    started, cpu = time.perf_counter(), time.process_time()
    wb = Workbook(write_only=True)
    for title, rows in prepared:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(out)
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "peak_mb": _peak_mb(),
            "cells": cells}


def db_study(db) -> str:
    from sqlalchemy import select

    with db.reading() as s:
        return s.scalar(select(m.Study.id).where(m.Study.code == "BENCH"))


def run_child(args: list[str]) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=15_000)
    parser.add_argument("--db", type=Path, help="reuse (or create) this benchmark database")
    parser.add_argument("--keep", action="store_true", help="keep the output files (and a generated database)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, db_path, out = args.child
        result = child_openpyxl(db_path, out) if kind == "openpyxl" else child_export(db_path, out, kind)
        print(json.dumps(result))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    db_path = args.db or tmp / "bench.sqlite"
    if not db_path.exists():
        started = time.perf_counter()
        generate(db_path, args.sessions)
        print(f"generated {args.sessions:,} sessions in {time.perf_counter() - started:.1f} s -> {db_path}")
    export = run_child(["xlsx", str(db_path), str(tmp / "pooled.xlsx")])
    size_mb = (tmp / "pooled.xlsx").stat().st_size / 1e6
    csv = run_child(["csv", str(db_path), str(tmp / "csv")])
    floor = run_child(["openpyxl", str(db_path), str(tmp / "floor.xlsx")])
    print(f"item scores:                {export['item_scores']:,}")
    print(f"cells written:              {floor['cells']:,}")
    print(f"export to .xlsx:            {export['seconds']:7.1f} s wall {export['cpu']:7.1f} s CPU   "
          f"peak RSS {export['peak_mb']:4.0f} MB ({size_mb:.0f} MB file)   target <= 20 s, <= 400 MB")
    print(f"openpyxl alone, same cells: {floor['seconds']:7.1f} s wall {floor['cpu']:7.1f} s CPU")
    print(f"ratio export / openpyxl:    {export['seconds'] / floor['seconds']:7.2f} wall   "
          f"{export['cpu'] / floor['cpu']:7.2f} CPU   target <= 1.5")
    print(f"export to CSV:              {csv['seconds']:7.1f} s wall {csv['cpu']:7.1f} s CPU   "
          f"peak RSS {csv['peak_mb']:4.0f} MB")
    # Wall time on a shared machine also measures the neighbours; CPU time is steadier.
    if args.keep:
        print(f"outputs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)  # the generated database too, unless --db put it elsewhere
    return 0


if __name__ == "__main__":
    sys.exit(main())
