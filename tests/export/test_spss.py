"""The SPSS files read back with their labels: pyreadstat, and R's haven when installed."""

from __future__ import annotations

import json
import shutil
import subprocess

import pyreadstat
import pytest

from rater.export.spss import NA_LABEL, variable_names
from rater.instruments.loader import bundled_instrument_files, load_file

from .test_round_trip import awkward, db_item_scores  # noqa: F401  (the module-scoped export)


def _items() -> dict[str, object]:
    """Item id -> item of the bundled instruments (their ids are unique across them)."""
    return {item.id: item for path in bundled_instrument_files() for item in load_file(path)[0].items}


def test_sav_carries_item_text_anchors_and_na_code(awkward):  # noqa: F811
    path, study_id, folder, summary = awkward
    sav = folder / "csv" / "ratings_wide.sav"
    assert sav in summary.spss_files and (folder / "csv" / "session_means.sav") in summary.spss_files
    frame, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    labels = meta.column_names_to_labels
    assert labels["rater"] == "Rater code" and labels["session_number"].startswith("Session number")
    assert labels["assignment_score"].startswith("Scale assignment of hstbs")
    assert meta.variable_measure["assignment_score"] == "scale"
    na = min(meta.missing_ranges["asg1"][0].values())
    assert na == -9
    # Every item variable: its text as the label, its anchors (and N/A) as value labels.
    expected = db_item_scores(path, study_id)
    items = {item_id: item for item_id, item in _items().items() if item_id in labels}
    assert len(items) == 22  # HSTBS 16, HES-General 3, HES-CT 3
    for item_id, item in items.items():
        assert labels[item_id] == item.text
        values = meta.variable_value_labels[item_id]
        assert values == {**{float(k): v for k, v in item.anchors.items()}, -9.0: NA_LABEL}
        assert meta.variable_measure[item_id] == "ordinal"
    # Values equal the database, the N/A item holds the N/A code.
    na_keys = [k for k, v in expected.items() if v[1]]
    assert len(na_keys) == 1
    patient, number, rater, _key, item_id = na_keys[0]
    case = frame[(frame.patient == patient) & (frame.session_number == number) & (frame.rater == rater)]
    assert case[item_id].tolist() == [-9.0]
    patient, number, rater, _key, item_id = next(k for k, v in expected.items() if v[0] is not None)
    case = frame[(frame.patient == patient) & (frame.session_number == number) & (frame.rater == rater)]
    assert case[item_id].tolist() == [float(expected[(patient, number, rater, _key, item_id)][0])]
    assert len(frame) == sum(1 for _ in (folder / "csv" / "ratings_wide.csv").open(encoding="utf-8")) - 1


def test_haven_reads_the_labels(awkward, tmp_path):  # noqa: F811
    rscript = shutil.which("Rscript")
    if rscript is None or subprocess.run([rscript, "-e", "library(haven)"], capture_output=True).returncode:
        pytest.skip("R with haven is not installed: apt-get install r-base-core r-cran-haven")
    _path, _study_id, folder, _summary = awkward
    script = (
        "library(haven); d <- read_sav(commandArgs(TRUE)[1], user_na = TRUE); "
        "v <- d[['asg1']]; "
        "cat(sprintf('{\"label\": \"%s\", \"labels\": [%s], \"names\": [%s], \"na\": [%s], \"n\": %d}', "
        "gsub('\"', '\\\\\\\\\"', attr(v, 'label')), paste(as.numeric(attr(v, 'labels')), collapse = ','), "
        "paste0('\"', names(attr(v, 'labels')), '\"', collapse = ','), "
        "paste(attr(v, 'na_values'), collapse = ','), nrow(d)))")
    result = subprocess.run([rscript, "-e", script, str(folder / "csv" / "ratings_wide.sav")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    frame, meta = pyreadstat.read_sav(str(folder / "csv" / "ratings_wide.sav"))
    assert got["label"] == meta.column_names_to_labels["asg1"]
    assert -9 in got["labels"] and NA_LABEL in got["names"] and got["na"] == [-9]
    assert got["n"] == len(frame)


def test_variable_names_are_valid_spss_names():
    names = variable_names(["hstbs.asg1", "HES-General_score", "2nd item", "all", "ALL", "x" * 80, "a."])
    assert names[0] == "hstbs.asg1" and names[1] == "HES_General_score" and names[2] == "v2nd_item"
    assert names[3] == "all_" and names[4] == "ALL__2"  # reserved words, and names equal but for case
    assert len(names[5].encode()) <= 64 and names[6] == "a"
    assert len({n.upper() for n in names}) == len(names)


def test_command_line_writes_the_spss_files_and_reports_cut_text(awkward, tmp_path, capsys):  # noqa: F811
    import argparse

    from rater.commands import export as command

    path, _study_id, _folder, _summary = awkward
    parser = argparse.ArgumentParser(prog="rater")
    command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export", "--db", str(path), "--out", str(tmp_path / "p.xlsx"), "--sav", "--quiet"])
    assert args.handler(args) == 2
    assert "--sav writes into the CSV folder" in capsys.readouterr().err
    shutil.copyfile(path, tmp_path / "db.sqlite")
    args = parser.parse_args(["export", "--db", str(tmp_path / "db.sqlite"), "--out", str(tmp_path / "p.xlsx"),
                              "--csv", str(tmp_path / "csv"), "--sav", "--quiet"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "SPSS: ratings_wide.sav, session_means.sav" in out
    assert "1 text cell(s) were longer than Excel's 32,767 characters and were cut in the workbook (Ratings long M" in out
    assert (tmp_path / "csv" / "ratings_wide.sav").is_file()
