"""Export of a study at four sizes: time and peak memory, each beside its floor.

The study: patients × sessions 1–5; team 1 (17 raters) rates the HSTBS and
team 2 (19 raters) the HES-General and HES-CT, three raters of each team per
session; about 64 item scores per session (Review is not rated in session 1).
Rows are inserted with Core bulk inserts (no Workstation, no audit trail)
into fresh SQLite files, or reused from --dbdir.

Sizes (sessions): 157 (10 k item scores), 282 (the seed study: 282 sessions
× 3 raters × 2 teams), 1,570 (100 k) and 15,700 (1 M). Each measurement runs
in its own process so ``ru_maxrss`` is that step's peak:

* xlsx / csv: ``export_study`` to a workbook / a CSV folder (reading,
  scoring, reliability, writing), as a user runs it;
* tables: the same reading, scoring and reliability with every table row
  made but no file written: what the writers add to;
* sqlite: the reading floor, the bare sqlite3 module fetching the same
  ratings and item-score rows (nothing kept);
* writers: each sheet's rows built in memory first (not timed), then the
  streaming writer, openpyxl's write-only mode and the csv module writing
  exactly the same cells: the writer against its library floor.

Each figure is printed beside its floor and the ratio: the workbook beside
sqlite3 reading + openpyxl write-only writing the same cells, the CSV set
beside sqlite3 reading + the csv module, the reading beside sqlite3 alone.

Targets: 1 M item scores -> workbook <= 20 s and <= 400 MB, CSV <= 5 s; the
seed study <= 1 s; peak memory flat (± 30 MB) from 10 k to 1 M item scores.
Wall time on a shared machine also measures the neighbours; CPU time is
steadier, so both are printed.

Usage: python bench/bench_export.py [--sizes 157,282,1570,15700] [--dbdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
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


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict:
    return {"seconds": time.perf_counter() - start[0], "cpu": time.process_time() - start[1]}


def child_export(db_path: str, out: str, kind: str) -> dict:
    from rater.export import export_study

    db = open_database(db_path, migrate=False)
    study_id = db_study(db)
    start = _clock()
    if kind == "xlsx":
        summary = export_study(db, study_id, xlsx=out)
    else:
        summary = export_study(db, study_id, csv_dir=out)
    return {**_since(start), "peak_mb": _peak_mb(), "item_scores": summary.counts.item_scores}


def _sheets(db):
    from rater.export.dataset import load_study
    from rater.export.exporter import build_sheets, study_reliability

    data = load_study(db, db_study(db))
    return build_sheets(data, data.counts(), study_reliability(data), datetime(2024, 1, 1))


def child_tables(db_path: str) -> dict:
    import rater.export.exporter  # noqa: F401  (imported before the clock, as in child_export)

    db = open_database(db_path, migrate=False)
    start = _clock()
    cells = 0
    for sheet in _sheets(db):
        for table in sheet.tables:
            width = len(table.columns)
            cells += sum(width for _row in table.iter_rows())
    return {**_since(start), "peak_mb": _peak_mb(), "cells": cells}


def child_sqlite(db_path: str) -> dict:
    """The reading floor: the bare sqlite3 module fetching the same rows (ratings with their
    assignments, then every item score), with nothing kept."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    start = _clock()
    rows = 0
    for query in ("SELECT r.id, a.session_id, a.rater_id, a.instrument_id, a.team_id, a.status, r.submitted_at "
                  "FROM assignment a JOIN rating r ON r.assignment_id = a.id",
                  "SELECT rating_id, item_id, value, is_na, note FROM item_score"):
        cursor = conn.execute(query)
        while batch := cursor.fetchmany(20_000):
            rows += len(batch)
    return {**_since(start), "peak_mb": _peak_mb(), "rows": rows}


def child_writers(db_path: str, out: str) -> dict:
    """The same cells through the streaming writer, openpyxl write-only and csv, one sheet at a time."""
    import csv

    from openpyxl import Workbook

    from rater.export.workbook import ZIP_LEVEL
    from rater.export.xlsx_stream import WorkbookStream

    db = open_database(db_path, migrate=False)
    sheets = _sheets(db)
    times = {"stream": [0.0, 0.0], "openpyxl": [0.0, 0.0], "csv": [0.0, 0.0]}

    def add(name: str, start: tuple[float, float]) -> None:
        spent = _since(start)
        times[name][0] += spent["seconds"]
        times[name][1] += spent["cpu"]

    cells = 0
    wb = Workbook(write_only=True)
    with open(f"{out}.stream.xlsx", "wb") as handle, WorkbookStream(handle, level=ZIP_LEVEL) as book:
        for sheet in sheets:
            rows = [list(t.header) for t in sheet.tables[:1]]
            for table in sheet.tables:
                rows += [list(r) for r in table.iter_rows()]
            cells += sum(len(r) for r in rows)
            start = _clock()
            ws = book.sheet(sheet.title, [10.0] * len(rows[0]))
            ws.column_kinds([c.kind for c in sheet.tables[0].columns] if not sheet.sectioned else [])
            for row in rows:
                ws.append(row)
            ws.close()
            add("stream", start)
            start = _clock()
            ows = wb.create_sheet(sheet.title)
            for row in rows:
                ows.append(row)
            add("openpyxl", start)
            start = _clock()
            with open(f"{out}.{sheet.tables[0].key}.csv", "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows(rows)
            add("csv", start)
            del rows
        start = _clock()
    add("stream", start)  # the workbook's closing parts
    start = _clock()
    wb.save(f"{out}.openpyxl.xlsx")
    add("openpyxl", start)
    return {"cells": cells, "peak_mb": _peak_mb(), **{k: v for k, v in times.items()}}


def db_study(db) -> str:
    from sqlalchemy import select

    with db.reading() as s:
        return s.scalar(select(m.Study.id).where(m.Study.code == "BENCH"))


def run_child(args: list[str]) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _pair(label: str, figure: tuple[float, float], floor: tuple[float, float], floor_label: str) -> str:
    """A figure (wall, CPU) beside its floor and the ratio, in CPU (steadier on a shared machine) and wall."""
    return (f"  {label:<29}{figure[0]:7.2f} s wall {figure[1]:7.2f} s CPU | floor {floor_label:<28}"
            f"{floor[0]:7.2f} s wall {floor[1]:7.2f} s CPU | ratio {figure[1] / max(floor[1], 1e-9):5.2f} CPU "
            f"{figure[0] / max(floor[0], 1e-9):5.2f} wall")


def measure(db_path: Path, tmp: Path) -> dict:
    xlsx = run_child(["xlsx", str(db_path), str(tmp / "pooled.xlsx")])
    xlsx["file_mb"] = (tmp / "pooled.xlsx").stat().st_size / 1e6
    csv = run_child(["csv", str(db_path), str(tmp / "csv")])
    tables = run_child(["tables", str(db_path), "-"])
    sqlite = run_child(["sqlite", str(db_path), "-"])
    writers = run_child(["writers", str(db_path), str(tmp / "w")])
    return {"xlsx": xlsx, "csv": csv, "tables": tables, "sqlite": sqlite, "writers": writers}


def report(sessions: int, r: dict) -> None:
    x, c, t, q, w = r["xlsx"], r["csv"], r["tables"], r["sqlite"], r["writers"]
    print(f"== {sessions:,} sessions: {x['item_scores']:,} item scores, {w['cells'] / 1e6:.2f} M cells, "
          f"load average {r['load']:.1f} on {r['cores']} cores")
    read = (q["seconds"], q["cpu"])
    (ss, sc), (os_, oc), (cs, cc) = w["stream"], w["openpyxl"], w["csv"]
    print(_pair("export to .xlsx", (x["seconds"], x["cpu"]), (read[0] + os_, read[1] + oc),
                "sqlite3 read + openpyxl w-o"))
    print(_pair("export to CSV", (c["seconds"], c["cpu"]), (read[0] + cs, read[1] + cc), "sqlite3 read + csv module"))
    print(_pair("read, score, stats, rows", (t["seconds"], t["cpu"]), read, "sqlite3 fetch of the rows"))
    print(_pair("streaming writer, same cells", (ss, sc), (os_, oc), "openpyxl write-only"))
    print(_pair("streaming writer, same cells", (ss, sc), (cs, cc), "csv module (plain text)"))
    print(f"  peak RSS: xlsx {x['peak_mb']:.0f} MB, CSV {c['peak_mb']:.0f} MB, no file {t['peak_mb']:.0f} MB | floor "
          f"sqlite3 read {q['peak_mb']:.0f} MB | ratio {x['peak_mb'] / q['peak_mb']:.2f} (xlsx)"
          f"   file {x['file_mb']:.1f} MB")


def growth(results: dict) -> None:
    """Time and peak memory at every size, and their growth from the smallest to the largest study."""
    print("== growth (targets at 1 M item scores: xlsx <= 20 s, <= 400 MB; CSV <= 5 s; seed study <= 1 s;"
          " peak flat +-30 MB)")
    print(f"  {'item scores':>12} {'xlsx s':>8} {'xlsx CPU':>9} {'xlsx MB':>8} {'CSV s':>7} {'CSV CPU':>8} "
          f"{'CSV MB':>7} {'no-file MB':>10} {'sqlite3 MB':>10}")
    ordered = sorted(results.values(), key=lambda r: r["xlsx"]["item_scores"])
    for r in ordered:
        x, c, t, q = r["xlsx"], r["csv"], r["tables"], r["sqlite"]
        print(f"  {x['item_scores']:>12,} {x['seconds']:8.2f} {x['cpu']:9.2f} {x['peak_mb']:8.0f} {c['seconds']:7.2f} "
              f"{c['cpu']:8.2f} {c['peak_mb']:7.0f} {t['peak_mb']:10.0f} {q['peak_mb']:10.0f}")
    if len(ordered) > 1:
        lo, hi = ordered[0], ordered[-1]
        scale = hi["xlsx"]["item_scores"] / max(lo["xlsx"]["item_scores"], 1)
        print(f"  {lo['xlsx']['item_scores']:,} -> {hi['xlsx']['item_scores']:,} item scores ({scale:.0f}x): "
              f"time x{hi['xlsx']['cpu'] / lo['xlsx']['cpu']:.1f} CPU (xlsx), x{hi['csv']['cpu'] / lo['csv']['cpu']:.1f}"
              f" (CSV); peak RSS {hi['xlsx']['peak_mb'] - lo['xlsx']['peak_mb']:+.0f} MB (xlsx), "
              f"{hi['csv']['peak_mb'] - lo['csv']['peak_mb']:+.0f} MB (CSV), "
              f"{hi['sqlite']['peak_mb'] - lo['sqlite']['peak_mb']:+.0f} MB (sqlite3 floor)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="157,282,1570,15700", help="sessions per study, comma-separated")
    parser.add_argument("--dbdir", type=Path, help="reuse (or create) the benchmark databases here")
    parser.add_argument("--keep", action="store_true", help="keep the output files")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, db_path, out = args.child
        if kind == "writers":
            result = child_writers(db_path, out)
        elif kind == "tables":
            result = child_tables(db_path)
        elif kind == "sqlite":
            result = child_sqlite(db_path)
        else:
            result = child_export(db_path, out, kind)
        print(json.dumps(result))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    dbdir = args.dbdir or tmp
    dbdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for sessions in (int(s) for s in args.sizes.split(",")):
        db_path = dbdir / f"bench-{sessions}.sqlite"
        if not db_path.exists():
            started = time.perf_counter()
            generate(db_path, sessions)
            print(f"generated {sessions:,} sessions in {time.perf_counter() - started:.1f} s -> {db_path}")
        out = tmp / f"out-{sessions}"
        out.mkdir()
        results[sessions] = measure(db_path, out)
        results[sessions].update(load=os.getloadavg()[0], cores=os.cpu_count())
        report(sessions, results[sessions])
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    growth(results)
    if args.keep:
        print(f"outputs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)  # generated databases too, unless --dbdir put them elsewhere
    return 0


if __name__ == "__main__":
    sys.exit(main())
