"""rater ratings import: legacy ratings in, every bad row reported, all or nothing."""

from __future__ import annotations

import argparse
import csv

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from rater.commands import ratings as command
from rater.export import LegacyImportError, export_study, import_legacy_ratings
from rater.storage import models as m

from .helpers import sheet_rows

HEADER = ["patient_id", "session_number", "rater_id", "instrument", "item", "score"]


def write_csv(path, rows, header=HEADER):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def hes_general(patient, number, rater, scores=(2, 3, 1)):
    return [[patient, number, rater, "hes_general", item, score]
            for item, score in zip(("time", "frequency", "effort"), scores, strict=True)]


def totals(db):
    with db.reading() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in
                     (m.Assignment, m.Rating, m.ItemScore, m.AuditEvent, m.Rater))


def test_good_csv_becomes_submitted_audited_ratings(empty_study, tmp_path):
    db, study_id = empty_study
    rows = hes_general("P001", 2, "T2-01") + hes_general("P001", 2, "T2-02", (2, 2, 2)) + [
        ["P001", 2, "T2-03", "hes_ct", "cognitive", 5], ["P001", 2, "T2-03", "hes_ct", "self_monitoring", ""],
        ["P001", 2, "T2-03", "hes_ct", "behavioural", 0]]
    summary = import_legacy_ratings(db, study_id, write_csv(tmp_path / "paper.csv", rows))
    assert (summary.ratings, summary.item_scores, summary.blank_scores) == (3, 8, 1)
    with db.reading() as s:
        assignments = s.scalars(select(m.Assignment)).all()
        assert {(a.purpose, a.status) for a in assignments} == {("study", "submitted")}
        assert all(a.team_id for a in assignments)  # Team 2 rates HES in session 2
        ratings = s.scalars(select(m.Rating)).all()
        assert all(r.submitted_at is not None for r in ratings)
        actors = set(s.scalars(select(m.AuditEvent.actor).where(m.AuditEvent.entity.in_(["rating", "assignment"]))))
        assert actors == {"import:paper.csv"}
        scores = {sc.item_id: sc.value for sc in s.scalars(select(m.ItemScore))}
        assert scores["cognitive"] == 5 and "self_monitoring" not in scores
    export_study(db, study_id, xlsx=tmp_path / "out.xlsx")
    from openpyxl import load_workbook

    means = sheet_rows(load_workbook(tmp_path / "out.xlsx")["Session means"])
    assert means[0]["hes_general_mean"] == pytest.approx((6 + 6) / 2) and means[0]["hes_general_n"] == 2


def test_xlsx_by_session_id_with_dates_and_na_free_scales(empty_study, tmp_path):
    db, study_id = empty_study
    with db.reading() as s:
        session_id = s.scalar(select(m.Session.id).join(m.Patient).where(m.Patient.code == "P002",
                                                                          m.Session.number == 3))
    wb = Workbook()
    ws = wb.active
    ws.append(["Session_ID", "rater_id", "instrument", "item", "score", "submitted_at"])
    for item, score in zip(("time", "frequency", "effort"), (4.0, 0, 3), strict=True):
        ws.append([session_id, "T2-05", "hes_general", item, score, "2019-05-02"])
    wb.save(tmp_path / "paper.xlsx")
    summary = import_legacy_ratings(db, study_id, tmp_path / "paper.xlsx")
    assert (summary.ratings, summary.item_scores) == (1, 3)
    with db.reading() as s:
        rating = s.scalar(select(m.Rating))
        assert rating.submitted_at.isoformat() == "2019-05-02T00:00:00"


BAD_ROWS = [
    (["P001", 2, "T2-01", "hes_general", "time", 9], "line 2: score 9 is outside 0-4 for item time"),
    (["P001", 2, "T2-01", "hes_general", "frequency", "two"], "line 3: score 'two' is not a number"),
    (["P001", 2, "T2-01", "hes_general", "effort", "2.5"], "line 4: score 2.5 is not a whole number"),
    (["P001", 2, "T2-01", "hes_general", "timing", 1], "line 5: unknown item 'timing' for instrument hes_general"),
    (["P001", 2, "T9-99", "hes_general", "time", 1], "line 6: unknown rater 'T9-99'"),
    (["P001", 9, "T2-01", "hes_general", "time", 1], "line 7: patient P001 has no session '9'"),
    (["P999", 2, "T2-01", "hes_general", "time", 1], "line 8: unknown patient 'P999'"),
    (["P001", 2, "T2-01", "wai", "time", 1], "line 9: unknown instrument 'wai'"),
    (["P001", 1, "T1-01", "hstbs", "rev1", 2], "line 10: Review is not rated in session 1"),
    (["P001", 2, "T2-02", "hes_general", "time", "N/A"], "line 11: item time cannot be N/A"),
    (["P001", 2, "T2-03", "hes_general", "time", 1], None),
    (["P001", 2, "T2-03", "hes_general", "time", 2], "line 13: duplicate: line 12 already gives T2-03's time"),
    (["", "", "T2-03", "hes_general", "time", 2], "line 14: no session"),
]


def test_every_bad_row_is_reported_and_nothing_imported(empty_study, tmp_path):
    db, study_id = empty_study
    before = totals(db)
    path = write_csv(tmp_path / "bad.csv", [row for row, _ in BAD_ROWS] + hes_general("P003", 4, "T2-04"))
    with pytest.raises(LegacyImportError) as err:
        import_legacy_ratings(db, study_id, path)
    problems = err.value.problems
    for _row, expected in BAD_ROWS:
        if expected:
            assert any(p.startswith(expected) for p in problems), (expected, problems)
    assert not any(p.startswith(("line 12:", "line 15:", "line 16:", "line 17:")) for p in problems)
    assert totals(db) == before


@pytest.mark.parametrize("content, expected", [
    ("", "the file is empty"),
    ("patient_id,session_number,rater_id,instrument,item,score\n", "no rows after the header line"),
    ("patient_id,rater_id,instrument,item\nP001,T2-01,hes_general,time\n",
     "line 1: missing column(s): score, session_id (or patient_id and session_number)"),
    ("patient_id,session_number,rater_id,instrument,item,score\nP001,2,T2-01,hes_general,time,1,extra\n",
     "line 2: 7 fields but the header has 6"),
])
def test_file_level_problems(empty_study, tmp_path, content, expected):
    db, study_id = empty_study
    (tmp_path / "f.csv").write_text(content, encoding="utf-8")
    with pytest.raises(LegacyImportError) as err:
        import_legacy_ratings(db, study_id, tmp_path / "f.csv")
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_unreadable_files(empty_study, tmp_path):
    db, study_id = empty_study
    (tmp_path / "f.txt").write_text("x")
    (tmp_path / "f.xlsx").write_bytes(b"not a zip")
    (tmp_path / "latin.csv").write_bytes("patient_id,rater_id\nP\xe9,x\n".encode("latin-1"))
    for name, expected in (("f.txt", "use a .csv or .xlsx file"), ("f.xlsx", "cannot be read as an Excel"),
                           ("latin.csv", "not UTF-8"), ("missing.csv", "file not found")):
        with pytest.raises(LegacyImportError) as err:
            import_legacy_ratings(db, study_id, tmp_path / name)
        assert expected in err.value.problems[0]


def test_existing_ratings_are_not_overwritten(study_db, tmp_path):
    db, study_id, built = study_db
    with db.reading() as s:
        patient, number, rater = s.execute(
            select(m.Patient.code, m.Session.number, m.Rater.code).select_from(m.Assignment)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .where(m.InstrumentRecord.key == "hes_general", m.Assignment.status == "submitted").limit(1)).one()
    before = totals(db)
    with pytest.raises(LegacyImportError) as err:
        import_legacy_ratings(db, study_id, write_csv(tmp_path / "again.csv", hes_general(patient, number, rater)))
    assert err.value.problems == [f"line 2: {rater} already has a rating of hes_general for {patient} session "
                                  f"{number} in the database (submitted)"]
    assert totals(db) == before


def test_unknown_raters_created_on_request(empty_study, tmp_path):
    db, study_id = empty_study
    path = write_csv(tmp_path / "new.csv", hes_general("P001", 2, "OLD-7"))
    with pytest.raises(LegacyImportError, match="3 problem"):  # one per row of the unknown rater
        import_legacy_ratings(db, study_id, path)
    summary = import_legacy_ratings(db, study_id, path, create_raters=True)
    assert summary.raters_created == ["OLD-7"]
    with db.reading() as s:
        rater = s.scalar(select(m.Rater).where(m.Rater.code == "OLD-7"))
        assert rater.study_id == study_id
        team = s.scalar(select(m.Assignment.team_id).where(m.Assignment.rater_id == rater.id))
        assert team is not None  # the only team rating hes_general in session 2


def _parser():
    parser = argparse.ArgumentParser(prog="rater")
    command.register(parser.add_subparsers(dest="command"))
    return parser


def test_command_line(empty_study, tmp_path, capsys):
    db, _ = empty_study
    good = write_csv(tmp_path / "good.csv", hes_general("P001", 2, "T2-01"))
    bad = write_csv(tmp_path / "bad.csv", [row for row, _ in BAD_ROWS])
    args = _parser().parse_args(["ratings", "import", "--db", db.url, str(bad)])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert "bad.csv: 12 problem(s); nothing was imported" in err
    assert "line 2: score 9 is outside 0-4" in err
    args = _parser().parse_args(["ratings", "import", "--db", db.url, "--study", "HWCT", str(good)])
    assert args.handler(args) == 0
    assert "imported 1 rating(s), 3 item score(s) from good.csv" in capsys.readouterr().out
