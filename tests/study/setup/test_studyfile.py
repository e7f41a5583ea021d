"""Study files: the reference design loads and creates; every mistake is listed and nothing created."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.study.setup.studyfile import StudyFileError, create_study, load_study_file, load_study_text

EXAMPLE = RESOURCES / "studies" / "homework_ct.toml"

SMALL = """\
format = 1

[study]
code = "PILOT"
name = "Pilot"
hidden_fields = ["condition"]

[[instruments]]
file = "hstbs.toml"

[[teams]]
name = "A"
raters_per_session = 2
rates = [{ instrument = "hstbs", sessions = [1, 4] }]

[[raters]]
code = "R1"
name = "Ann"
team = "A"
pin = "2468"

[[raters]]
code = "R2"
name = "Bob"
team = "A"

[[patients]]
code = "P01"
sessions = [1, 2]
dates = { 1 = 2026-01-05, 2 = "2026-01-12" }
meta = { condition = "CT" }
"""


def problems_of(text):
    with pytest.raises(StudyFileError) as info:
        load_study_text(text, "study.toml")
    return [str(p) for p in info.value.problems]


def count(db, model):
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_reference_design_creates_the_whole_study(db):
    spec = load_study_file(EXAMPLE)
    create_study(db, spec)
    assert count(db, m.Patient) == 66 and count(db, m.Session) == 330
    assert count(db, m.Rater) == 36 and count(db, m.Team) == 2
    with db.reading() as s:
        sizes = dict(s.execute(select(m.Team.name, func.count()).join(m.TeamMember).group_by(m.Team.name)).all())
        ranges = s.execute(select(m.InstrumentRecord.key, m.TeamInstrument.session_min, m.TeamInstrument.session_max)
                           .join(m.TeamInstrument)).all()
    assert sizes == {"Team 1": 17, "Team 2": 19}
    assert sorted(ranges) == [("hes_ct", 2, 5), ("hes_general", 2, 5), ("hstbs", 1, 4)]


def test_small_file_details(db):
    create_study(db, load_study_text(SMALL))
    with db.reading() as s:
        ann = s.scalar(select(m.Rater).where(m.Rater.code == "R1"))
        sess = s.scalar(select(m.Session).where(m.Session.number == 1))
        study = s.scalar(select(m.Study))
    assert ann.pin_hash.startswith("scrypt$")
    assert str(sess.date) == "2026-01-05"
    assert study.settings["hidden_fields"] == ["condition"]


def test_every_problem_is_listed_with_its_location():
    text = SMALL.replace('team = "A"\npin', 'team = "B"\npin').replace('code = "R2"', 'code = "R1"')
    text = text.replace('instrument = "hstbs", sessions = [1, 4]', 'instrument = "nope", sessions = [4, 1]')
    found = problems_of(text)
    assert any("teams[0].rates[0].instrument: unknown instrument 'nope'" in p for p in found)
    assert any("first session (4) is after the last (1)" in p for p in found)
    assert any("raters[0].team: unknown team 'B'" in p for p in found)
    assert any("raters[1].code: duplicate rater code 'R1'" in p for p in found)
    assert all(p.startswith("line ") for p in found)


def test_schema_errors_unknown_keys_and_bad_dates():
    found = problems_of(SMALL.replace('name = "Pilot"', 'name = "Pilot"\nsponsor = "x"')
                        .replace('"2026-01-12"', '"12/01/2026"'))
    assert any("unknown key(s): 'sponsor'" in p for p in found)
    assert any("12/01/2026" in p and "date" in p for p in found)


def test_a_bad_file_creates_nothing(db, tmp_path, capsys):
    from rater.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('team = "A"\npin', 'team = "Z"\npin'))
    assert main(["study", "create", "--db", db.url, str(bad)]) == 1
    assert "nothing was created" in capsys.readouterr().out
    assert count(db, m.Study) == 0


def test_cli_creates_and_refuses_a_duplicate_code(db, tmp_path, capsys):
    from rater.cli import main

    good = tmp_path / "pilot.toml"
    good.write_text(SMALL)
    assert main(["study", "create", "--db", db.url, str(good)]) == 0
    assert main(["study", "create", "--db", db.url, str(good)]) == 1
    assert "already exists" in capsys.readouterr().out
    assert count(db, m.Study) == 1
