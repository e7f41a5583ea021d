"""Writing the CSV set alone: the export's CSV writer beside the csv module writing the same cells.

The study is read, scored and its reliability computed first (not timed);
then every table of the CSV set is written twice into a temporary folder:

* writer: :func:`rater.export.csv_tables.write_table_csv`, as ``export_study``
  runs it (the rating tables from their own text, the others by block);
* floor: ``csv.writer`` writing the same cells, already converted to their CSV
  values and held in memory (building them is not timed), header and fsync
  included as the writer has them.

The two files must be byte for byte equal (checked every run). Each figure is
the best CPU of ``--repeat`` runs, printed in CPU and wall time beside its
floor with the ratio, for the three large tables and for the whole set.

Target: the CSV text of all tables of the 1 M-score study in <= 1.0 s CPU.

Usage: python bench/bench_csv_writer.py [--db bench-15700.sqlite | --sessions 15700] [--repeat 3]
(``--db`` reads a database made by bench_export.py and never writes into it;
``--sessions`` generates one in a temporary folder.)
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import db_study, generate  # noqa: E402

from rater.export.csv_tables import _converted, _csv_rows, write_table_csv  # noqa: E402
from rater.export.dataset import load_study  # noqa: E402
from rater.export.exporter import build_sheets, study_reliability  # noqa: E402
from rater.export.progress import Tracker  # noqa: E402
from rater.storage import open_database  # noqa: E402

LARGE = ("ratings_long", "ratings_wide", "session_means")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _spent(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _floor(table, cells: list, path: Path) -> tuple[float, float]:
    """The csv module writing ``cells`` (the table's converted rows) to ``path``, as the writer does."""
    start = _clock()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(cells)
        handle.flush()
        os.fsync(handle.fileno())
    return _spent(start)


def _line(label: str, figure: tuple[float, float], floor: tuple[float, float]) -> str:
    return (f"  {label:<16}{figure[1]:7.3f} s CPU {figure[0]:7.3f} s wall | floor csv module "
            f"{floor[1]:7.3f} s CPU {floor[0]:7.3f} s wall | ratio {figure[1] / max(floor[1], 1e-9):5.2f} CPU "
            f"{figure[0] / max(floor[0], 1e-9):5.2f} wall")


def measure(db_path: Path, out: Path, repeat: int) -> None:
    db = open_database(db_path, migrate=False)
    data = load_study(db, db_study(db))
    sheets = build_sheets(data, data.counts(), study_reliability(data), datetime(2024, 1, 1))
    db.close()
    tables = [t for sheet in sheets for t in sheet.tables]
    best: dict[str, tuple[float, float]] = {}
    floors: dict[str, tuple[float, float]] = {}
    rows = {}
    for table in tables:
        converted = [i for i, c in enumerate(_converted(table.columns)) if c]
        cells = _csv_rows(list(table.iter_rows()), converted)
        rows[table.key] = len(cells)
        for _ in range(repeat):
            floor = _floor(table, cells, out / f"{table.key}.floor.csv")
            if table.key not in floors or floor[1] < floors[table.key][1]:
                floors[table.key] = floor
        del cells
    for _ in range(repeat):
        for table in tables:
            start = _clock()
            write_table_csv(table, out / f"{table.key}.csv", Tracker(10**12))
            spent = _spent(start)
            if table.key not in best or spent[1] < best[table.key][1]:
                best[table.key] = spent
            if (out / f"{table.key}.csv").read_bytes() != (out / f"{table.key}.floor.csv").read_bytes():
                raise SystemExit(f"{table.key}: the writer's file differs from the csv module's")
    print(f"== {data.scores.n_scores:,} item scores, {len(tables)} tables, best of {repeat}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; files identical")
    for key in LARGE:
        print(_line(key, best[key], floors[key]) + f"  ({rows[key]:,} rows)")
    total = tuple(sum(best[t.key][i] for t in tables) for i in (0, 1))
    total_floor = tuple(sum(floors[t.key][i] for t in tables) for i in (0, 1))
    print(_line("all tables", total, total_floor))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a benchmark database made by bench_export.py (read only)")
    parser.add_argument("--sessions", type=int, default=15_700, help="sessions of a generated study (no --db)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each writer; the best CPU is shown")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-csv-"))
    try:
        db_path = args.db
        if db_path is None:
            db_path = tmp / f"bench-{args.sessions}.sqlite"
            generate(db_path, args.sessions)
        out = tmp / "out"
        out.mkdir()
        measure(db_path, out, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
