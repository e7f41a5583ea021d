"""Authoring mistakes in instrument and study files: each is reported, nothing is half-made.

Recode rules must map every value of their items exactly once, oversized
instrument files are refused before they are checked, and a TOML syntax error
in a study file is one line of the problem list (line and column), never a
traceback.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rater.cli import main
from rater.instruments import InstrumentError, load_text
from rater.instruments.loader import MAX_ITEMS
from rater.storage import models as m
from rater.storage import open_database
from rater.study.setup.studyfile import StudyFileError, load_study_text

CT = """\
format = 1
id = "ct"
version = "1"
name = "CT"

[responses.engagement]
min = 0
max = 6

[[items]]
id = "cognitive"
response = "engagement"
text = "Cognitive homework"

[[items]]
id = "behavioural"
response = "engagement"
text = "Behavioural homework"

[[scales]]
id = "ct"
name = "CT"
items = ["cognitive", "behavioural"]
method = "sum"
recode = [
{RULES}
]
"""


def ct(rules: str) -> str:
    return CT.replace("{RULES}", rules)


GOOD_RULES = """  { from = 0, to = 0, value = 0 },
  { from = 1, to = 3, value = 1 },
  { from = 4, to = 6, value = 2 },"""


def problems(text: str) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        load_text(text, source="test.toml")
    return [str(p) for p in info.value.problems]


def test_a_complete_recode_loads():
    instrument, _ = load_text(ct(GOOD_RULES))
    assert [instrument.scales[0].recoded(v) for v in range(7)] == [0, 1, 1, 1, 2, 2, 2]


def test_a_value_left_unmapped_is_reported():
    found = problems(ct("""  { from = 0, to = 0, value = 0 },
  { from = 1, to = 2, value = 1 },
  { from = 4, to = 6, value = 2 },"""))
    assert "line 25, scales[0].recode: value(s) 3 of item 'cognitive' are not mapped by any recode rule" in found
    assert any("value(s) 3 of item 'behavioural'" in p for p in found)


def test_overlapping_ranges_are_reported():
    found = problems(ct("""  { from = 0, to = 3, value = 0 },
  { from = 2, to = 6, value = 1 },"""))
    assert found == ["line 25, scales[0].recode[1]: overlaps recode[0]: value(s) 2–3 are mapped twice"]


def test_a_wide_rule_overlapping_two_others_is_reported_twice():
    found = problems(ct("""  { from = 0, to = 6, value = 0 },
  { from = 1, to = 2, value = 1 },
  { from = 3, to = 4, value = 2 },"""))
    assert found == ["line 25, scales[0].recode[1]: overlaps recode[0]: value(s) 1–2 are mapped twice",
                     "line 25, scales[0].recode[2]: overlaps recode[0]: value(s) 3–4 are mapped twice"]


def test_a_range_outside_the_item_is_reported():
    found = problems(ct("""  { from = 0, to = 3, value = 0 },
  { from = 4, to = 60, value = 1 },"""))
    assert found == ["line 25, scales[0].recode[1]: range 4–60 goes outside the items' values 0–6"]


def test_recode_checks_from_the_command_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(ct("""  { from = 0, to = 2, value = 0 },
  { from = 4, to = 60, value = 1 },"""), encoding="utf-8")
    assert main(["instruments", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "3 problem(s)" in out and "range 4–60" in out and "value(s) 3 of item 'cognitive'" in out


def _big_instrument(items: int, padding: int) -> str:
    lines = ['format = 1', 'id = "big"', 'version = "1"', 'name = "Big"', "[responses.r]", "min = 0", "max = 4"]
    for i in range(items):
        lines += ["[[items]]", f'id = "i{i}"', 'response = "r"', f'text = "Item {i} {"x" * padding}"']
    ids = ", ".join(f'"i{i}"' for i in range(items))
    lines += ["[[scales]]", 'id = "s"', 'name = "S"', 'method = "mean"', f"items = [{ids}]"]
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(30)  # a guard against a hang, not a speed test
def test_an_18_mb_file_is_refused_at_once(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_text(_big_instrument(60_000, 240), encoding="utf-8")
    assert big.stat().st_size > 18_000_000
    assert main(["instruments", "check", str(big)]) == 1
    out = capsys.readouterr().out
    assert "1 problem(s)" in out and "is 18.6 MB; an instrument file may be at most 1 MB" in out


@pytest.mark.timeout(30)
def test_too_many_items_in_a_small_file_are_refused():
    text = _big_instrument(MAX_ITEMS + 1, 0)
    assert len(text) < 1_000_000
    assert problems(text) == [f"items: {MAX_ITEMS + 1:,} items; an instrument may have at most {MAX_ITEMS:,} "
                              "(the file was not checked further)"]


def test_a_study_file_syntax_error_is_in_the_problem_list():
    with pytest.raises(StudyFileError) as info:
        load_study_text('[study]\nname = "x"\ncode = \n', source="study.toml")
    assert [str(p) for p in info.value.problems] == ["line 3, column 8, syntax: Invalid value"]


def test_a_study_file_cut_short_is_in_the_problem_list():
    with pytest.raises(StudyFileError) as info:
        load_study_text('[study]\nname = "x', source="study.toml")
    assert [str(p) for p in info.value.problems] == [
        "line 2, syntax: Unterminated string (the file ends too early)"]


def test_study_create_with_a_syntax_error_exits_1_and_creates_nothing(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text('[study]\nname = "x"\ncode = \n', encoding="utf-8")
    db_path = tmp_path / "lab.sqlite"
    db = open_database(db_path)
    db.close()
    assert main(["study", "create", "--db", str(db_path), str(study)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.out == (f"{study}: 1 problem(s); nothing was created\n"
                            "  line 3, column 8, syntax: Invalid value\n")
    db = open_database(db_path)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.Study)) == 0
    db.close()


HEAD = 'format = 1\nid = "x"\nversion = "1"\nname = "X"\n'
ITEM = '[[items]]\nid = "a"\ntext = "A"\nmin = 0\nmax = 4\n'
SCALE = '[[scales]]\nid = "s"\nname = "S"\nitems = ["a"]\nmethod = "sum"\n'

BAD_INSTRUMENTS = {
    "not UTF-8": (b"\xff\xfe\x00binary", "cannot be read: 'utf-8' codec can't decode"),
    "empty": (b"", "'format' is a required property"),
    "wrong types": ((HEAD + 'items = 5\nscales = "s"\n').encode(), "items: 5 is not of type 'array'"),
    "unknown response set": ((HEAD + '[[items]]\nid = "a"\ntext = "A"\nresponse = "nope"\n' + SCALE).encode(),
                             "unknown response set 'nope'"),
    "100,001 values": ((HEAD + ITEM.replace("max = 4", "max = 100000") + SCALE).encode(),
                       "0–100000 has 100,001 values; an item may have at most 101"),
    "a number too large": ((HEAD + ITEM.replace("max = 4", "max = 99999999999999999999999") + SCALE).encode(),
                           "99999999999999999999999 is greater than the maximum of 1000000"),
    "recode rule not a table": ((HEAD + ITEM + SCALE + 'recode = [{ from = 0, to = 4, value = 0 }, "x"]\n').encode(),
                                "'x' is not of type 'object'"),
    "recode from after to": ((HEAD + ITEM + SCALE + "recode = [{ from = 4, to = 0, value = 0 }]\n").encode(),
                             "'from' (4) is greater than 'to' (0)"),
}


@pytest.mark.parametrize("name", BAD_INSTRUMENTS)
def test_bad_instrument_files_get_a_message_not_a_traceback(name, tmp_path, capsys):
    data, expected = BAD_INSTRUMENTS[name]
    path = tmp_path / "bad.toml"
    path.write_bytes(data)
    assert main(["instruments", "check", str(path)]) == 1
    captured = capsys.readouterr()
    assert expected in captured.out and "Traceback" not in captured.err + captured.out


STUDY = ('format = 1\n[study]\nname = "x"\ncode = "X"\n[[instruments]]\nfile = "hes_ct.toml"\n'
         '[[teams]]\nname = "t"\nrates = [{ instrument = "hes_ct" }]\n')

BAD_STUDIES = {
    "not UTF-8": (b"\xff\xfe\x00binary", "cannot be read: 'utf-8' codec can't decode"),
    "empty": (b"", "'study' is a required property"),
    "study not a table": (b"format = 1\nstudy = 5\n", "study: 5 is not of type 'object'"),
    "missing instrument file": (STUDY.replace("hes_ct.toml", "missing.toml").encode(), "missing.toml: file: not found"),
    "instrument file is a folder": (STUDY.replace("hes_ct.toml", "/").encode(), "Is a directory"),
    "oversized instrument": (STUDY.replace("hes_ct.toml", "big.toml").encode(),
                             "big.toml: file: is 18.6 MB; an instrument file may be at most 1 MB"),
    "sessions out of order": (STUDY.replace('instrument = "hes_ct" }', 'instrument = "hes_ct", sessions = [3, 1] }')
                              .encode(), "first session (3) is after the last (1)"),
    "session number too large": (STUDY.replace('instrument = "hes_ct" }',
                                               'instrument = "hes_ct", sessions = [1, 99999999999999999999] }')
                                 .encode(), "99999999999999999999 is greater than the maximum of 1000"),
    "a date keyed by a word": ((STUDY + '[[patients]]\ncode = "P1"\nsessions = [1]\ndates = { x = 2020-01-01 }\n')
                               .encode(), "'x' does not match '^[0-9]+$'"),
    "a hundred million patients": ((STUDY + '[patient_range]\nprefix = "P"\nfirst = 1\nlast = 100000000\n'
                                    'sessions = [1]\n').encode(),
                                   "100,000,000 patients; a study may have at most 100,000"),
    "unterminated string": (b'[study]\nname = "x', "Unterminated string (the file ends too early)"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", BAD_STUDIES)
def test_bad_study_files_get_a_message_and_create_nothing(name, tmp_path, capsys):
    data, expected = BAD_STUDIES[name]
    if name == "oversized instrument":
        (tmp_path / "big.toml").write_text(_big_instrument(60_000, 240), encoding="utf-8")
    path = tmp_path / "study.toml"
    path.write_bytes(data)
    db_path = tmp_path / "lab.sqlite"
    open_database(db_path).close()
    assert main(["study", "create", "--db", str(db_path), str(path)]) == 1
    captured = capsys.readouterr()
    assert "nothing was created" in captured.out and expected in captured.out
    assert "Traceback" not in captured.err + captured.out
    db = open_database(db_path)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.Study)) == 0
        assert s.scalar(select(func.count()).select_from(m.InstrumentRecord)) == 0
    db.close()
