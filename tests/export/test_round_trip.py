"""The workbook read back cell by cell equals the database, with awkward text;
LibreOffice opens it and sees the same cells; over-long text is cut and reported."""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from rater.export import export_study
from rater.export.xlsx_stream import CUT_MARKER, EXCEL_MAX_TEXT
from rater.storage import models as m
from rater.storage import open_database

from .helpers import sheet_rows

AWKWARD = [
    'she said "stop" and \'wait\'', "<&> &amp; </t></is> ]]>", "emoji 😀🧠 and accents éü", "ctrl\x01\x08\x0b\x1f end",
    "line one\r\nline two\ttabbed", "=SUM(A1:A3)", "=1+1", "+1 555 0100", "-3 points", "@mention", "  spaced  ",
    "x" * EXCEL_MAX_TEXT, "y" * 40_000, "odd \ufffe char", "\n",
]


def expected_text(note: str) -> str:
    """What a spreadsheet must show for ``note``: control characters as spaces, cut at Excel's limit."""
    cleaned = "".join(" " if (ord(c) < 32 and c not in "\t\n\r") or c == "\ufffe" else c for c in note)
    if len(cleaned) > EXCEL_MAX_TEXT:
        cleaned = cleaned[:EXCEL_MAX_TEXT - len(CUT_MARKER)] + CUT_MARKER
    return cleaned


def db_item_scores(path, study_id) -> dict[tuple, tuple]:
    """(patient, session, rater, instrument, item) -> (value, na, note, submitted_at), straight from the database."""
    db = open_database(path)
    try:
        with db.reading() as s:
            rows = s.execute(
                select(m.Patient.code, m.Session.number, m.Rater.code, m.InstrumentRecord.key, m.ItemScore.item_id,
                       m.ItemScore.value, m.ItemScore.is_na, m.ItemScore.note, m.Rating.submitted_at)
                .join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
                .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
                .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
                .join(m.Session, m.Session.id == m.Assignment.session_id)
                .join(m.Patient, m.Patient.id == m.Session.patient_id)
                .where(m.Assignment.study_id == study_id, m.Rating.submitted_at.is_not(None))).all()
    finally:
        db.close()
    return {tuple(r[:5]): (r[5], bool(r[6]), r[7] or None, r[8]) for r in rows}


@pytest.fixture(scope="module")
def awkward(built_study, tmp_path_factory):
    """The rated study with awkward notes (and an N/A) on submitted item scores, exported once."""
    folder = tmp_path_factory.mktemp("awkward")
    path = folder / "study.sqlite"
    shutil.copyfile(built_study.path, path)
    db = open_database(path)
    with db.transaction() as s:
        ids = s.scalars(select(m.ItemScore.id).join(m.Rating).where(m.Rating.submitted_at.is_not(None))
                        .order_by(m.ItemScore.id).limit(len(AWKWARD) + 1)).all()
        for score_id, note in zip(ids, AWKWARD, strict=False):
            s.execute(update(m.ItemScore).where(m.ItemScore.id == score_id).values(note=note))
        s.execute(update(m.ItemScore).where(m.ItemScore.id == ids[-1]).values(value=None, is_na=True))
    summary = export_study(db, built_study.study_id, xlsx=folder / "awkward.xlsx", csv_dir=folder / "csv", spss=True)
    db.close()
    return path, built_study.study_id, folder, summary


def test_workbook_equals_the_database_cell_by_cell(awkward):
    path, study_id, folder, _summary = awkward
    expected = db_item_scores(path, study_id)
    wb = load_workbook(folder / "awkward.xlsx")  # full mode: cell types are checked too
    ws = wb["Ratings long"]
    header = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(header)}
    seen = {}
    for row in ws.iter_rows(min_row=2):
        values = [c.value for c in row] + [None] * (len(header) - len(row))
        key = tuple(values[col[k]] for k in ("patient", "session_number", "rater", "instrument", "item"))
        seen[key] = (values[col["value"]], values[col["na"]], values[col["note"]], values[col["submitted_at"]])
        note_cell = row[col["note"]] if col["note"] < len(row) else None
        if note_cell is not None and note_cell.value is not None:
            assert note_cell.data_type == "s", f"{note_cell.coordinate} is not text"
    assert seen.keys() == expected.keys()
    for key, (value, na, note, submitted) in expected.items():
        got = seen[key]
        assert got[0] == value and got[1] is na, key
        assert got[2] == (expected_text(note) if note else None), key
        # Spreadsheet times hold milliseconds (Excel's and openpyxl's precision).
        assert abs(got[3] - submitted) <= timedelta(milliseconds=1), key
    notes = {n for _v, _na, n, _t in seen.values() if n}
    assert {"=SUM(A1:A3)", "=1+1", "+1 555 0100", "-3 points", "@mention", "  spaced  "} <= notes
    assert "x" * EXCEL_MAX_TEXT in notes and "line one\r\nline two\ttabbed" in notes


def test_cut_text_is_reported(awkward):
    _path, _study_id, folder, summary = awkward
    assert len(summary.cut_cells) == 1
    sheet, cell = summary.cut_cells[0]
    assert sheet == "Ratings long" and cell.startswith("M")
    value = load_workbook(folder / "awkward.xlsx", read_only=True)[sheet][cell].value
    assert len(value) == EXCEL_MAX_TEXT and value.endswith(CUT_MARKER)
    with (folder / "csv" / "ratings_long.csv").open(encoding="utf-8", newline="") as fh:
        assert any(r["note"] == "y" * 40_000 for r in csv.DictReader(fh))  # CSV keeps the whole note


def test_libreoffice_reads_the_same_cells(awkward, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    _path, _study_id, folder, _summary = awkward
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", filt, "--outdir", str(tmp_path / "out"), str(folder / "awkward.xlsx")],
        capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stderr
    assert "repair" not in (result.stdout + result.stderr).lower()
    with (tmp_path / "out" / "awkward-Ratings long.csv").open(encoding="utf-8", newline="") as fh:
        office = list(csv.DictReader(fh))
    ours = sheet_rows(load_workbook(folder / "awkward.xlsx", read_only=True)["Ratings long"])
    assert len(office) == len(ours)
    for theirs, mine in zip(office, ours, strict=True):
        for name in ("patient", "rater", "instrument", "item"):
            assert theirs[name] == mine[name]
        assert theirs["session_number"] == str(mine["session_number"])
        assert theirs["value"] == ("" if mine["value"] is None else str(mine["value"]))
        # The cell after an empty note is still in its own column.
        shown = datetime.strptime(theirs["submitted_at"], "%Y-%m-%d %H:%M:%S")
        assert abs(shown - mine["submitted_at"]) <= timedelta(seconds=1)
        # Formula-like notes arrive as the text itself: LibreOffice computed nothing.
        assert theirs["note"].replace("\r\n", "\n") == (mine["note"] or "").replace("\r\n", "\n")
