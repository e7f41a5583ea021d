"""36 raters autosaving at once against one database: throughput, latency, and a count of lost writes.

Usage:
  python bench/bench_concurrent_autosave.py sqlite [--seconds 60] [--raters 36]
  python bench/bench_concurrent_autosave.py postgresql+psycopg://rater@127.0.0.1:55432/postgres

Each simulated rater is a separate process with its own connection that sets
item values through the same service the app uses, as fast as it can (or with
``--think-ms`` between changes, as a person rates). A write the database
refuses (SQLite's 5 s busy timeout) is counted as an error: the app keeps such
a change in its journal and retries it, so it is late, not lost. At the
end, every write a rater saw succeed must be in the audit trail, and each
rater's last value must be the stored value: "lost" counts any difference.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from rater.paths import RESOURCES
from rater.storage import DatabaseError, open_database
from rater.storage import models as m
from rater.study.instruments import register_file
from rater.study.rating.workstation import Workstation

ITEMS = [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]


def build_study(url: str, raters: int) -> list[tuple[str, str]]:
    db = open_database(url)
    pairs = []
    with db.transaction() as s:
        study = m.Study(name="Load", code=f"LOAD-{uuid.uuid4().hex[:6]}", settings={})
        s.add(study)
        s.flush()
        inst = register_file(s, RESOURCES / "instruments" / "hstbs.toml")
        for i in range(raters):
            rater = m.Rater(study_id=study.id, code=f"R{i:02d}", name=f"Rater {i}")
            patient = m.Patient(study_id=study.id, code=f"P{i:02d}", meta={})
            s.add_all([rater, patient])
            s.flush()
            sess = m.Session(patient_id=patient.id, number=1)
            s.add(sess)
            s.flush()
            a = m.Assignment(study_id=study.id, session_id=sess.id, rater_id=rater.id, instrument_id=inst.id)
            s.add(a)
            s.flush()
            pairs.append((rater.id, a.id))
    ws = Workstation(db)
    for rater_id, aid in pairs:
        ws.open(aid, rater_id)
    db.close()
    return pairs


def rater_loop(url: str, rater_id: str, aid: str, seconds: float, think_ms: int, barrier, out) -> None:
    logging.disable(logging.WARNING)  # refused writes are counted, not printed
    db = open_database(url, migrate=False)
    ws = Workstation(db)
    ws.raters()  # connect before the clock starts
    latencies, ok, errors, last = [], 0, 0, {}
    barrier.wait()
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        item = ITEMS[n % len(ITEMS)]
        value = (n // len(ITEMS) + 1) % 5
        n += 1
        t0 = time.perf_counter()
        try:
            ws.set_response(aid, rater_id, item, value)
        except DatabaseError:
            errors += 1
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        ok += 1
        last[item] = value
        if think_ms:
            time.sleep(think_ms / 1000)
    out.put((rater_id, aid, ok, errors, latencies, last))
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="'sqlite' or a PostgreSQL URL (a fresh database is created on it)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--raters", type=int, default=36)
    parser.add_argument("--think-ms", type=int, default=0, help="pause after each change (default 0: flat out)")
    args = parser.parse_args()

    cleanup = None
    if args.target == "sqlite":
        tmp = tempfile.mkdtemp()
        url = str(Path(tmp) / "load.sqlite")
    else:
        admin = sa.create_engine(args.target, isolation_level="AUTOCOMMIT")
        name = f"rater_load_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        url = sa.engine.make_url(args.target).set(database=name).render_as_string(hide_password=False)

        def cleanup():
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    pairs = build_study(url, args.raters)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    barrier = ctx.Barrier(len(pairs))  # every rater starts once all are connected
    procs = [ctx.Process(target=rater_loop, args=(url, r, a, args.seconds, args.think_ms, barrier, out)) for r, a in pairs]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()

    db = open_database(url, migrate=False)
    lost = 0
    with db.reading() as s:
        for _rater, aid, ok, _errors, _lat, last in results:
            rating_id = s.scalar(sa.select(m.Rating.id).where(m.Rating.assignment_id == aid))
            audited = s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent).where(
                m.AuditEvent.entity_id == rating_id, m.AuditEvent.field.like("item:%")))
            stored = dict(s.execute(sa.select(m.ItemScore.item_id, m.ItemScore.value)
                                    .where(m.ItemScore.rating_id == rating_id)).all())
            # Values cycle per item, so every successful write is a change with one audit event.
            lost += abs(audited - ok)
            lost += sum(1 for item, value in last.items() if stored.get(item) != value)
    db.close()
    if cleanup:
        cleanup()

    latencies = sorted(x for r in results for x in r[4])
    writes = sum(r[2] for r in results)
    errors = sum(r[3] for r in results)
    backend = "SQLite (one file, WAL)" if args.target == "sqlite" else "PostgreSQL"
    pace = f", {args.think_ms} ms between changes" if args.think_ms else ", flat out"
    print(f"{backend}: {len(procs)} raters x {args.seconds:.0f} s{pace}: {writes} writes, "
          f"{writes / args.seconds:.0f} writes/s, p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {latencies[int(0.95 * len(latencies)) - 1]:.1f} ms, errors {errors}, lost {lost}")


if __name__ == "__main__":
    main()
