"""Export files: CSV round trip, atomic writes, unwritable targets, progress and
cancel, Excel's row limit, and a real spreadsheet application opening the workbook."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from openpyxl import load_workbook

from rater.export import ExportCancelled, ExportError, export_study
from rater.export import workbook as workbook_module

from .helpers import sheet_rows

TABLES = ["codebook_about", "codebook_sheets", "codebook_instruments", "codebook_items", "codebook_scales", "codebook_design",
          "codebook_variables", "ratings_long", "ratings_wide", "session_means", "reliability",
          "item_reliability", "exclusions", "methods", "raters", "rater_bias", "homework_log", "marks",
          "no_anchor"]


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def test_csv_files_parse_back_to_the_workbook_values(exported, workbook):
    assert sorted(p.stem for p in exported.csv_dir.iterdir()) == sorted(TABLES)
    with (exported.csv_dir / "ratings_long.csv").open(encoding="utf-8", newline="") as fh:
        long = list(csv.DictReader(fh))
    sheet = sheet_rows(workbook["Ratings long"])
    assert len(long) == len(sheet)
    first = long[0]
    assert int(first["value"]) == sheet[0]["value"] and first["na"] == "0"
    assert first["submitted_at"] == sheet[0]["submitted_at"].strftime("%Y-%m-%d %H:%M:%S")
    with (exported.csv_dir / "session_means.csv").open(encoding="utf-8", newline="") as fh:
        means = list(csv.DictReader(fh))
    by_sheet = sheet_rows(workbook["Session means"])
    for row, expected in zip(means, by_sheet, strict=True):
        assert (float(row["assignment_mean"]) if row["assignment_mean"] else None) == (
            pytest.approx(expected["assignment_mean"]) if expected["assignment_mean"] is not None else None)
    dated = next(r for r in means if r["patient"] == "P001" and r["session_number"] == "2")
    assert dated["session_date"] == "2024-03-05"
    with (exported.csv_dir / "reliability.csv").open(encoding="utf-8", newline="") as fh:
        hes_ct = next(r for r in csv.DictReader(fh) if r["scale"] == "HES-CT")
    assert hes_ct["ICC(1,k)"] == "" and "zero variance" in hes_ct["notes"]


def test_csv_with_byte_order_mark(study_db, tmp_path):
    db, study_id, _ = study_db
    export_study(db, study_id, csv_dir=tmp_path / "out", csv_bom=True)
    raw = (tmp_path / "out" / "marks.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfstudy,patient")
    assert _leftovers(tmp_path / "out") == []


@pytest.mark.parametrize("where", ["missing folder", "parent is a file", "target is a folder"])
def test_unwritable_workbook_path_fails_before_any_work(study_db, tmp_path, where):
    db, study_id, _ = study_db
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "a_folder").mkdir()
    target = {"missing folder": tmp_path / "nope" / "pooled.xlsx",
              "parent is a file": tmp_path / "a_file" / "pooled.xlsx",
              "target is a folder": tmp_path / "a_folder"}[where]
    with pytest.raises(ExportError) as err:
        export_study(db, study_id, xlsx=target, progress=lambda f, m: pytest.fail("work started"))
    assert str(target.parent if where != "target is a folder" else target) in str(err.value)
    assert not (tmp_path / "nope").exists() and list((tmp_path / "a_folder").iterdir()) == []
    assert (tmp_path / "a_file").read_text() == "x" and _leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_folder(study_db, tmp_path):
    db, study_id, _ = study_db
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="Cannot write to the folder"):
            export_study(db, study_id, xlsx=folder / "pooled.xlsx")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_cancel_stops_and_leaves_nothing(study_db, tmp_path, monkeypatch):
    db, study_id, _ = study_db
    scratch = tmp_path / "scratch"  # where openpyxl streams its sheets
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    calls = []

    def cancel():
        # Checked at every step: the 5th check falls inside the workbook, while its temp file exists.
        calls.append(len(list(tmp_path.glob(".pooled.xlsx.*"))))
        return len(calls) >= 5

    with pytest.raises(ExportCancelled):
        export_study(db, study_id, xlsx=tmp_path / "pooled.xlsx", csv_dir=tmp_path / "csv", cancel=cancel)
    assert calls[-1] == 1
    assert not (tmp_path / "pooled.xlsx").exists()
    assert _leftovers(tmp_path) == [] and list(scratch.iterdir()) == []


def test_progress_rises_to_one(study_db, tmp_path):
    db, study_id, _ = study_db
    seen = []
    export_study(db, study_id, xlsx=tmp_path / "pooled.xlsx", csv_dir=tmp_path / "csv",
                 progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 3
    assert seen[0][1] == "Computing reliability" and seen[-1][1].startswith("Exported")


def test_long_tables_continue_on_further_sheets(study_db, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_module, "EXCEL_MAX_ROWS", 801)
    db, study_id, _ = study_db
    summary = export_study(db, study_id, xlsx=tmp_path / "pooled.xlsx")
    assert summary.split_sheets == [("Ratings long", 2013, ["Ratings long", "Ratings long (2)", "Ratings long (3)"])]
    wb = load_workbook(tmp_path / "pooled.xlsx", read_only=True)
    parts = [name for name in wb.sheetnames if name.startswith("Ratings long")]
    assert parts == ["Ratings long", "Ratings long (2)", "Ratings long (3)"]
    rows = [r for name in parts for r in sheet_rows(wb[name])]
    assert len(rows) == 2013 - 3 + 3  # every submitted item score, each part with its own header
    assert all(len(sheet_rows(wb[name])) <= 800 for name in parts)


def test_libreoffice_opens_the_workbook(exported, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is missing: scripts/setup.sh test installs libreoffice-calc-nogui for CI")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    # Every sheet to its own CSV (LibreOffice >= 7.2): proves LibreOffice read each one.
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", filt, "--outdir", str(tmp_path / "out"), str(exported.xlsx)],
        capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stderr
    produced = {p.name for p in (tmp_path / "out").iterdir()}
    assert "pooled-Ratings long.csv" in produced and "pooled-Reliability.csv" in produced, produced
    with (tmp_path / "out" / "pooled-Session means.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    dated = next(r for r in rows if r["patient"] == "P001" and r["session_number"] == "2")
    assert dated["session_date"] == "2024-03-05"


def test_command_line_export(exported, tmp_path, capsys):
    from rater.cli import build_parser
    from rater.commands import export as command

    parser = build_parser()
    if "export" not in parser._subparsers._group_actions[0].choices:  # not yet wired into rater.cli
        import argparse

        parser = argparse.ArgumentParser(prog="rater")
        command.register(parser.add_subparsers(dest="command"))
    shutil.copyfile(exported.db_path, tmp_path / "db.sqlite")
    args = parser.parse_args(["export", "--db", str(tmp_path / "db.sqlite"), "--out", str(tmp_path / "p.xlsx"),
                              "--csv", str(tmp_path / "csv")])
    assert args.handler(args) == 0
    out, err = capsys.readouterr()
    assert "exported study HWCT" in out and "2,013 item scores" in out
    assert "100.0%" in err
    assert (tmp_path / "p.xlsx").is_file() and len(list((tmp_path / "csv").glob("*.csv"))) == len(TABLES)
    args = parser.parse_args(["export", "--db", str(tmp_path / "db.sqlite"), "--out", str(tmp_path / "x" / "p.xlsx")])
    assert args.handler(args) == 1
    assert "does not exist" in capsys.readouterr().err


def test_export_modules_do_not_import_qt_or_openpyxl_up_front():
    code = ("import sys; import rater.export, rater.commands.export, rater.commands.ratings, "
            "rater.study.reports.reliability_data; "
            "bad = [m for m in ('PySide6', 'vlc', 'openpyxl', 'pandas', 'pyreadstat') if m in sys.modules]; print(bad); "
            "sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
