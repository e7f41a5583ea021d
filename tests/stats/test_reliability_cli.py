"""The ``reliability`` sub-command."""

from __future__ import annotations

import argparse
import csv
import json
import math
import re

import pytest

from rater.commands import reliability
from rater.stats import ICC_FORMS


def parse(*argv):
    parser = argparse.ArgumentParser(prog="rater")
    reliability.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["reliability", *argv])


@pytest.fixture
def ratings_csv(tmp_path, study):
    scales = {"q1": "A", "q2": "A", "q3": "B", "q4": "B"}
    path = tmp_path / "ratings.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["session_id", "rater_id", "item", "score", "patient_id",
                         "session_number", "scale", "submitted_at"])
        for row in study(n_sessions=24, raters=["R1", "R2", "R3", "R4"], k=3, missing=0.02,
                         scales=scales, session_numbers=3, with_times=True):
            writer.writerow(["" if v is None else v for v in row])
    return path


def test_json_output_shape(ratings_csv, capsys):
    args = parse("--ratings", str(ratings_csv), "--json")
    assert args.handler is reliability.run
    assert reliability.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"scales", "items", "raters", "halo", "random_effects_ci_method", "input"}
    assert list(data["scales"]) == ["A", "B"]
    assert list(data["items"]) == ["q1", "q2", "q3", "q4"]
    for entry in [*data["scales"].values(), *data["items"].values()]:
        assert {"n_sessions", "k_raters", "design", "rule", "icc", "cronbach_alpha",
                "krippendorff_alpha_interval"} <= set(entry)
        assert isinstance(entry["n_sessions"], int) and isinstance(entry["k_raters"], int)
        assert entry["design"] in ("one-way", "two-way")
        assert list(entry["icc"]) == list(ICC_FORMS)
        for form in entry["icc"].values():
            assert set(form) == {"value", "F", "df1", "df2", "p", "ci95"}
            assert len(form["ci95"]) == 2
            assert all(v is None or math.isfinite(v) for v in [form["value"], *form["ci95"]])
    assert data["scales"]["A"]["design"] == "one-way"
    assert isinstance(data["scales"]["A"]["cronbach_alpha"], float)
    assert {r["rater_id"] for r in data["raters"]} == {"R1", "R2", "R3", "R4"}


def test_min_items_is_passed_on(ratings_csv, capsys):
    reliability.run(parse("--ratings", str(ratings_csv), "--json"))
    complete = json.loads(capsys.readouterr().out)["scales"]["A"]
    reliability.run(parse("--ratings", str(ratings_csv), "--json", "--min-items", "1"))
    prorated = json.loads(capsys.readouterr().out)["scales"]["A"]
    assert prorated["n_sessions"] >= complete["n_sessions"]
    assert "prorated" in prorated["rule"]


def test_text_output_is_an_aligned_table(ratings_csv, capsys):
    assert reliability.run(parse("--ratings", str(ratings_csv))) == 0
    out = capsys.readouterr().out
    assert "Scale A (2 items, mean)" in out and "design one-way" in out
    lines = [line for line in out.splitlines() if re.match(r"\s+ICC\([1AC],[1k]\)\s", line)]
    assert len(lines) == 12  # six forms for each of two scales
    assert len({line.index("[") for line in lines}) == 1  # CI column aligned
    assert "Krippendorff's alpha: nominal" in out and "McGraw & Wong" in out
    assert out.split("\n\n", 1)[1].startswith("Headline ICC per scale")  # after the input notes


def test_input_errors_exit_1_with_message_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("session_id,rater_id,item,score\nS1,R1,q1,x\n")
    assert reliability.run(parse("--ratings", str(bad))) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "score is not a number at line 2" in captured.err
    assert reliability.run(parse("--ratings", str(tmp_path / "missing.csv"))) == 1
    assert "cannot read" in capsys.readouterr().err


def test_database_source(tmp_path, capsys):
    import json

    from rater.storage import open_database
    from rater.study.rating.workstation import Workstation
    from rater.study.setup.demo import create_demo_study

    db = open_database(tmp_path / "study.sqlite")
    create_demo_study(db)
    ws = Workstation(db)
    for rater in ws.raters():
        for entry in ws.queue(rater.id):
            view = ws.open(entry.assignment_id, rater.id)
            for item in view.instrument.items:
                if view.instrument.item_applies(item.id, view.session_number):
                    ws.set_response(entry.assignment_id, rater.id, item.id, 1)
            ws.submit(entry.assignment_id, rater.id)
    assert reliability.run(parse("--db", db.url, "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"Review", "Assignment", "Overcoming Obstacles", "HES-General", "HES-CT"} <= set(report["scales"])
    # One rater per demo session: no ICC can be computed, and the report says why instead of failing.
    assert report["scales"]["Assignment"]["icc"]["ICC(1,1)"]["value"] is None

    assert reliability.run(parse("--db", db.url, "--methods")) == 0
    methods = capsys.readouterr().out
    assert "of 2 patients" in methods and "Session Rater" in methods

    not_a_db = tmp_path / "notes.sqlite"
    not_a_db.write_text("not a database")
    assert reliability.run(parse("--db", str(not_a_db))) == 2
    assert "not a Session Rater database" in capsys.readouterr().err


def test_a_source_is_required_and_min_items_validated(ratings_csv):
    with pytest.raises(SystemExit):
        parse()
    with pytest.raises(SystemExit):
        parse("--ratings", str(ratings_csv), "--min-items", "0")


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
HES = ROOT / "rater" / "resources" / "instruments" / "hes_general.toml"


def _hes_csv(tmp_path, bad_score=None):
    lines = ["session_id,rater_id,item,score"]
    for s in range(36):
        for r in (f"R{s % 5}", f"R{(s + 1) % 5}", f"R{(s + 2) % 5}"):
            for j, item in enumerate(("time", "frequency", "effort")):
                lines.append(f"S{s},{r},{item},{(s + j + (int(r[1:]) * s) % 3) % 5}")
    if bad_score is not None:
        lines[1] = lines[1].rsplit(",", 1)[0] + f",{bad_score}"
    lines[2] = lines[2].rsplit(",", 1)[0] + ",NA"
    path = tmp_path / "hes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_instrument_scores_its_scales_and_the_input_notes_say_how(tmp_path, capsys):
    path = _hes_csv(tmp_path)
    assert reliability.run(parse("--ratings", str(path), "--instrument", str(HES), "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["scales"]) == ["HES-General"]
    assert data["scales"]["HES-General"]["method"] == "sum"
    notes = " ".join(data["input"]["notes"])
    assert "1 without a score" in notes and "NA, nan and blank scores are missing" in notes
    assert "checked against the item ranges of hes_general.toml" in notes

    assert reliability.run(parse("--ratings", str(path))) == 0
    out = capsys.readouterr().out
    assert out.startswith("Input: ")
    assert out.count("NA, nan and blank scores are missing") == 1
    assert "Ranges were not checked (no --instrument)" in out


def test_scores_outside_the_instrument_range_are_refused(tmp_path, capsys):
    path = _hes_csv(tmp_path, bad_score=9)
    assert reliability.run(parse("--ratings", str(path), "--instrument", str(HES))) == 1
    err = capsys.readouterr().err
    assert "score outside time's range 0–4 at line 2" in err
    assert reliability.run(parse("--ratings", str(path))) == 0  # no instrument: taken as given


def test_fewer_than_30_sessions_warns(ratings_csv, capsys):
    assert reliability.run(parse("--ratings", str(ratings_csv))) == 0
    assert "fewer than 30" in capsys.readouterr().out


def test_methods_prints_the_paragraph(tmp_path, capsys):
    assert reliability.run(parse("--ratings", str(_hes_csv(tmp_path)), "--methods")) == 0
    out = capsys.readouterr().out
    assert out.startswith("36 sessions were rated by 5 raters")
    assert "McGraw & Wong's (1996)" in out and "Session Rater" in out
    assert "Scale HES" not in out  # only the paragraph
