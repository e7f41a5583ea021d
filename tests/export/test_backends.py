"""The export and the legacy import on SQLite and on PostgreSQL (``db_url``)."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from rater.export import export_study, import_legacy_ratings
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study

from .helpers import sheet_rows


def _rate_everything(db) -> int:
    """Rate and submit every demo assignment through the Workstation; returns the item scores stored."""
    ws = Workstation(db)
    stored = 0
    for rater in ws.raters():
        for entry in ws.queue(rater.id):
            view = ws.open(entry.assignment_id, rater.id)
            for i, item in enumerate(view.instrument.items):
                if view.instrument.item_applies(item.id, view.session_number):
                    ws.set_response(entry.assignment_id, rater.id, item.id, (i + view.session_number) % 3)
                    stored += 1
            ws.submit(entry.assignment_id, rater.id)
    return stored


def test_export_and_legacy_import(db_url, tmp_path):
    db = open_database(db_url)
    try:
        study_id = create_demo_study(db)
        stored = _rate_everything(db)
        summary = export_study(db, study_id, xlsx=tmp_path / "demo.xlsx", csv_dir=tmp_path / "csv")
        assert summary.counts.item_scores == stored
        # One rater per session in the demo: no ICC, and the sheet says why instead of failing.
        reliability = sheet_rows(load_workbook(tmp_path / "demo.xlsx")["Reliability"])
        assert reliability and all(row["ICC(1,k)"] is None and row["notes"] for row in reliability)

        with (tmp_path / "paper.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["patient_id", "session_number", "rater_id", "instrument", "item", "score"])
            writer.writerows([["D01", 2, "R01", "hes_general", item, 3] for item in ("time", "frequency", "effort")])
        assert import_legacy_ratings(db, study_id, tmp_path / "paper.csv").ratings == 1
        again = export_study(db, study_id, csv_dir=tmp_path / "csv")
        assert again.counts.item_scores == stored + 3
        with (tmp_path / "csv" / "session_means.csv").open(encoding="utf-8", newline="") as fh:
            means = {(r["patient"], r["session_number"]): r for r in csv.DictReader(fh)}
        assert means[("D01", "2")]["hes_general_n"] == "2"
    finally:
        db.close()
