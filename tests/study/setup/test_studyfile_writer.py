"""The new-study form's design written as a study file reads back as the same study."""

from __future__ import annotations

import pytest

from rater.paths import RESOURCES
from rater.study.setup.studyfile import StudyFileError, load_study_text
from rater.study.setup.studyfile_writer import RaterDesign, StudyDesign, TeamDesign, instrument_key, to_spec, to_toml

INSTRUMENTS = RESOURCES / "instruments"


def design() -> StudyDesign:
    hstbs, hes = str(INSTRUMENTS / "hstbs.toml"), str(INSTRUMENTS / "hes_ct.toml")
    return StudyDesign(
        code="PILOT", name='Pilot "CT" – ÄÖ', description="two teams\nand a homework log",
        min_played_fraction=0.75, hidden_fields=["condition"],
        teams=[TeamDesign("Team 1", "rates the bond", 2, False, [(hstbs, 1, 4)]),
               TeamDesign("Team 2", "", 3, True, [(hstbs, 2, 3), (hes, 1, 5)])],
        raters=[RaterDesign("R01", "Alex Kim", "Team 1", pin="2468"), RaterDesign("R02", "Sam O'Neil", "Team 1"),
                RaterDesign("R03", "Robin Park", "Team 2")],
        patient_prefix="D", first_patient=7, last_patient=9, digits=2, sessions=[1, 2, 5])


def test_a_written_design_reads_back_with_the_same_teams_raters_and_patients():
    d = design()
    spec = load_study_text(to_toml(d), source="written.toml", base_dir=INSTRUMENTS)

    assert spec.study["code"] == "PILOT" and spec.study["name"] == d.name
    assert spec.study["description"] == d.description and spec.study["min_played_fraction"] == 0.75
    assert spec.study["hidden_fields"] == ["condition"]
    assert sorted(i["id"] for i in spec.instruments) == sorted({"hstbs", instrument_key(INSTRUMENTS / "hes_ct.toml")})
    assert [(t["name"], t.get("description", ""), t["raters_per_session"], t.get("keeps_homework_log", False),
             [(r["instrument"], tuple(r["sessions"])) for r in t["rates"]]) for t in spec.teams] == [
        (t.name, t.description, t.raters_per_session, t.keeps_homework_log,
         [(instrument_key(f), (lo, hi)) for f, lo, hi in t.rates]) for t in d.teams]
    assert [(r["code"], r["name"], r["team"], r.get("pin", "")) for r in spec.raters] == [
        (r.code, r.name, r.team, r.pin) for r in d.raters]
    assert [(p["code"], p["sessions"]) for p in spec.patients] == [(c, [1, 2, 5]) for c in d.patient_codes()]
    assert d.patient_codes() == ["D07", "D08", "D09"]
    assert to_spec(d) == spec


def test_a_design_with_mistakes_is_refused_like_a_study_file():
    d = design()
    d.raters.append(RaterDesign("R01", "Twice", "Team 9"))
    with pytest.raises(StudyFileError) as info:
        to_spec(d)
    found = " ".join(str(p) for p in info.value.problems)
    assert "duplicate rater code 'R01'" in found and "unknown team 'Team 9'" in found
