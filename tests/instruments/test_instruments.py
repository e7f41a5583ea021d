"""Instrument files: the shipped scales load, and every kind of authoring mistake is reported."""

from __future__ import annotations

import pytest

from rater.cli import main
from rater.instruments import InstrumentError, load_file, load_text
from rater.instruments.loader import bundled_instrument_files

GOOD = """\
format = 1
id = "mini"
version = "1"
name = "Mini"

[[items]]
id = "a"
text = "Item A"
min = 0
max = 4
anchors = { 0 = "none", 4 = "lots" }

[[items]]
id = "b"
text = "Item B"
min = 0
max = 4

[[scales]]
id = "s"
name = "S"
items = ["a", "b"]
method = "mean"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        load_text(text, source="test.toml")
    return [str(p) for p in info.value.problems]


def test_bundled_instruments_match_the_study():
    loaded = {load_file(p)[0].id: load_file(p)[0] for p in bundled_instrument_files()}
    hstbs = loaded["hstbs"]
    assert [(s.name, len(s.items), s.method) for s in hstbs.scales] == [
        ("Review", 4, "mean"), ("Assignment", 7, "mean"), ("Overcoming Obstacles", 5, "mean")]
    assert all((i.min, i.max) == (0, 4) for i in hstbs.items)
    assert hstbs.items[0].anchors[0] == "Not at all" and hstbs.items[0].anchors[4] == "Considerable"
    assert not hstbs.scales[0].applies.applies(1) and hstbs.scales[0].applies.applies(2)
    general = loaded["hes_general"]
    assert [i.id for i in general.items] == ["time", "frequency", "effort"]
    assert general.scales[0].method == "sum"
    ct = loaded["hes_ct"]
    assert all((i.min, i.max) == (0, 6) for i in ct.items)
    assert [ct.scales[0].recoded(v) for v in range(7)] == [0, 1, 1, 1, 2, 2, 2]


def test_good_file_loads():
    instrument, data = load_text(GOOD)
    assert instrument.item("a").anchors == {0: "none", 4: "lots"}
    assert data["id"] == "mini"


def test_syntax_error_has_a_line():
    found = problems(GOOD.replace('name = "Mini"', 'name = "Mini'))
    assert len(found) == 1 and found[0].startswith("line 4, column 13, syntax")


def test_unknown_key_is_located():
    found = problems(GOOD.replace('name = "Mini"', 'name = "Mini"\ncolour = "red"'))
    assert found == ["line 5, colour: unknown key(s): 'colour'"]


def test_duplicate_item_id():
    found = problems(GOOD.replace('id = "b"', 'id = "a"'))
    assert any("items[1].id: duplicate item id 'a'" in p for p in found)


def test_anchor_outside_range():
    found = problems(GOOD.replace('4 = "lots"', '5 = "lots"'))
    assert found == ["line 11, items[0].anchors.5: anchor 5 is outside the range 0–4"]


def test_scale_naming_unknown_item():
    found = problems(GOOD.replace('items = ["a", "b"]', 'items = ["a", "zzz"]'))
    assert found == ['line 22, scales[0].items[1]: unknown item \'zzz\'']


def test_min_not_below_max_and_unknown_response_set():
    text = GOOD.replace("min = 0\nmax = 4\n\n[[scales]]", "min = 4\nmax = 4\n\n[[scales]]")
    text = text.replace('text = "Item A"', 'text = "Item A"\nresponse = "nope"')
    found = problems(text)
    assert any("items[0]: unknown response set 'nope'" in p for p in found)
    assert any("items[1]: min (4) must be less than max (4)" in p for p in found)


def test_wrong_types_and_missing_keys_all_reported_together():
    text = GOOD.replace('version = "1"\n', "").replace('method = "mean"', 'method = "median"')
    text = text.replace('id = "b"', 'id = "a"')
    found = problems(text)
    assert any("'version' is a required property" in p for p in found)
    assert any("scales[0].method" in p for p in found)
    assert any("duplicate item id 'a'" in p for p in found)


def test_recode_and_applicability_ranges_checked():
    text = GOOD.replace('method = "mean"', 'method = "sum"\nrecode = [{ from = 3, to = 1, value = 1 }]\n'
                        'applies = { session_min = 4, session_max = 2 }')
    found = problems(text)
    assert any("recode[0]: 'from' (3) is greater than 'to' (1)" in p for p in found)
    assert any("session_min (4) is greater than session_max (2)" in p for p in found)


def test_check_command_prints_every_problem_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('id = "b"', 'id = "a"').replace('4 = "lots"', '9 = "lots"'))
    assert main(["instruments", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "3 problem(s)" in out and "duplicate item id" in out and "anchor 9" in out and "unknown item 'b'" in out


def test_check_command_accepts_the_shipped_files(capsys):
    files = [str(p) for p in bundled_instrument_files()]
    assert main(["instruments", "check", *files]) == 0
    assert capsys.readouterr().out.count(": OK") == 3


def test_missing_file(tmp_path):
    with pytest.raises(InstrumentError) as info:
        load_file(tmp_path / "nope.toml")
    assert "not found" in str(info.value)
