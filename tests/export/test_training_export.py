"""Training sheets in the workbook and CSV files; training data stays out of the study sheets."""

from __future__ import annotations

import csv

import openpyxl
from training_support import gold_session, ids, rate, two_raters_on_d01

from rater.export.exporter import export_study
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study
from rater.study.training.certification import set_criterion
from rater.study.training.consensus import set_consensus
from rater.study.training.practice import assign_practice
from rater.study.training.views import Criterion

RATED = [2] * 8 + [3] * 4 + [4] * 2 + [0] * 2  # against gold 2: exact .5, within ±1 .75, MAD .75


def _rows(sheet) -> list[dict]:
    values = list(sheet.values)
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_training_sheets_and_csvs(tmp_path):
    db = open_database(tmp_path / "lab.sqlite")
    study = create_demo_study(db)
    ws = Workstation(db)
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2, code="T01")
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    rate(ws, a, x["R01"], RATED)
    set_criterion(db, study, Criterion("hstbs", 0.7, 0.75, 1))
    _x, d01, _ = two_raters_on_d01(db, ws)
    set_consensus(db, d01, x["hstbs"], "asg1", 2, "discussed")
    export_study(db, study, xlsx=tmp_path / "out.xlsx", csv_dir=tmp_path / "csv")
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    for name in ("Training agreement", "Training items", "Certification", "Certification history", "Drift bias",
                 "Calibration", "Consensus"):
        assert name in book.sheetnames
    [row] = _rows(book["Training agreement"])
    assert (row["rater"], row["recording"], row["kind"], row["items"]) == ("R01", "T01:2", "practice", 16)
    assert (row["exact"], row["within1"], row["mad"]) == (0.5, 0.75, 0.75)
    cert = {r["rater"]: r for r in _rows(book["Certification"])}
    assert cert["R01"]["status"] == "certified" and cert["R01"]["within1"] == 0.75
    [consensus] = _rows(book["Consensus"])
    assert (consensus["patient"], consensus["item"], consensus["consensus"], consensus["raters_mean"],
            consensus["raters"]) == ("D01", "asg1", 2, 1.5, 2)
    # The study sheets know nothing of the training recording.
    assert all(r["patient"] != "T01" for r in _rows(book["Ratings long"]))
    with open(tmp_path / "csv" / "training_items.csv", encoding="utf-8") as fh:
        items = list(csv.DictReader(fh))
    assert len(items) == 16 and {r["difference"] for r in items} == {"0", "1", "2", "-2"}
    db.close()
