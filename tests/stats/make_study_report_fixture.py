"""Regenerate the reference report of a generated study (``fixtures/study_report/``).

The study is the export benchmark's generator (``bench/bench_export.py``) at
300 sessions, with blanks, N/A items and in-progress ratings added so every
path of the scoring runs. Its full reliability report (JSON) was written by
the statistics as they were before they worked on narrow per-scale columns;
``test_study_report.py`` checks that the figures have not changed since.

Usage: ``python tests/stats/make_study_report_fixture.py``
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "study_report" / "report.json"
N_SESSIONS = 150


def build(path: Path) -> str:
    """The generated study in ``path`` (a new SQLite file); returns its id."""
    sys.path.insert(0, str(HERE.parents[1] / "bench"))
    import bench_export
    from sqlalchemy import text

    from rater.storage import open_database

    study_id = bench_export.generate(path, N_SESSIONS, seed=11)
    db = open_database(path)
    with db.transaction() as s:
        # Every 29th item score N/A, every 41st left blank, every 97th rating not submitted.
        s.execute(text("UPDATE item_score SET value = NULL, is_na = 1 WHERE rowid % 29 = 0"))
        s.execute(text("UPDATE item_score SET value = NULL WHERE rowid % 41 = 0"))
        s.execute(text("UPDATE rating SET submitted_at = NULL WHERE rowid % 97 = 0"))
        s.execute(text("UPDATE assignment SET status = 'in_progress' WHERE id IN "
                       "(SELECT assignment_id FROM rating WHERE submitted_at IS NULL)"))
    db.close()
    return study_id


def report(path: Path, study_id: str, include_in_progress: bool) -> dict:
    """The study's report as JSON data, through the export's own path."""
    from rater.export.dataset import load_study
    from rater.export.exporter import study_reliability
    from rater.stats import report_to_json
    from rater.storage import open_database

    db = open_database(path, migrate=False)
    try:
        result = study_reliability(load_study(db, study_id, include_in_progress))
    finally:
        db.close()
    return report_to_json(result.report)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.sqlite"
        study_id = build(path)
        data = {"submitted": report(path, study_id, False), "with_in_progress": report(path, study_id, True)}
    FIXTURE.write_text(json.dumps(data) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
