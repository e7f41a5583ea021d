"""The new-study form's content, written out as a study file.

The form does not build database rows itself: it writes the same TOML a lab
would keep under version control and reads it back with
:func:`rater.study.setup.studyfile.load_study_text`, so a study made in the form
and one made from a file go through the same checks and the same
:func:`~rater.study.setup.studyfile.create_study`, and the form can save the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rater.paths import RESOURCES
from rater.study.setup.settings import DEFAULTS
from rater.study.setup.studyfile import StudySpec, load_study_text

SOURCE = "the new-study form"


@dataclass
class TeamDesign:
    """A team as the form holds it; ``rates`` name instrument files."""

    name: str
    description: str = ""
    raters_per_session: int = 3
    keeps_homework_log: bool = False
    rates: list[tuple[str, int, int]] = field(default_factory=list)  # (instrument file, first, last session)


@dataclass
class RaterDesign:
    """A rater row of the form."""

    code: str
    name: str
    team: str
    pin: str = ""


@dataclass
class StudyDesign:
    """Everything the new-study form asks for; patients are a numbered range."""

    code: str
    name: str
    description: str = ""
    min_played_fraction: float = DEFAULTS.min_played_fraction
    hidden_fields: list[str] = field(default_factory=list)
    media_root: str = ""
    teams: list[TeamDesign] = field(default_factory=list)
    raters: list[RaterDesign] = field(default_factory=list)
    patient_prefix: str = "P"
    first_patient: int = 1
    last_patient: int = 1
    digits: int = 3
    sessions: list[int] = field(default_factory=lambda: [1])

    def patient_codes(self) -> list[str]:
        return [f"{self.patient_prefix}{n:0{self.digits}d}" for n in range(self.first_patient, self.last_patient + 1)]


def instrument_key(path: str | Path) -> str:
    """The ``id`` an instrument file declares (the key teams refer to); its stem if it cannot be read."""
    from rater.instruments.loader import InstrumentError, load_file

    try:
        return load_file(path)[1]["id"]
    except InstrumentError:
        return Path(path).stem


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} to TOML")


def _table(header: str, values: dict[str, Any]) -> list[str]:
    return [header] + [f"{k} = {_value(v)}" for k, v in values.items() if v not in ("", None, [])] + [""]


def to_toml(design: StudyDesign) -> str:
    """The study file for ``design``."""
    files = list(dict.fromkeys(f for team in design.teams for f, _lo, _hi in team.rates))
    keys = {f: instrument_key(f) for f in files}
    lines = ["# Written by Session Rater's new-study form.", "format = 1", ""]
    lines += _table("[study]", {"code": design.code, "name": design.name, "description": design.description,
                                "min_played_fraction": design.min_played_fraction,
                                "hidden_fields": design.hidden_fields, "media_root": design.media_root})
    for f in files:
        lines += _table("[[instruments]]", {"file": str(f)})
    for team in design.teams:
        lines += _table("[[teams]]", {
            "name": team.name, "description": team.description, "raters_per_session": team.raters_per_session,
            "keeps_homework_log": team.keeps_homework_log,
            "rates": [{"instrument": keys[f], "sessions": [lo, hi]} for f, lo, hi in team.rates]})
    if design.last_patient >= design.first_patient or design.sessions:
        lines += _table("[patient_range]", {"prefix": design.patient_prefix, "first": design.first_patient,
                                            "last": design.last_patient, "digits": design.digits,
                                            "sessions": design.sessions})
    for rater in design.raters:
        lines += _table("[[raters]]", {"code": rater.code, "name": rater.name, "team": rater.team, "pin": rater.pin})
    return "\n".join(lines)


def to_spec(design: StudyDesign) -> StudySpec:
    """Check the design exactly as a study file is checked (raises ``StudyFileError`` with every problem)."""
    return load_study_text(to_toml(design), source=SOURCE, base_dir=RESOURCES / "instruments")
