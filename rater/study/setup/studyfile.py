"""Study files: a whole study design in one TOML file a lab can keep under version control.

``rater study create --db DB FILE`` and the coordinator's set-up screens both
end in :func:`create_study`, so a study made either way is the same. A file
with any problem creates nothing; every problem is listed with its location.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rater.instruments import loader as instrument_loader
from rater.paths import RESOURCES
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.instruments import register_data
from rater.study.rating.pins import hash_pin
from rater.study.setup.settings import FILE_KEYS
from rater.validation import Locator, Problem, ValidationError, fmt_path, parse_toml, read_text_file, schema_problems

log = logging.getLogger(__name__)

SCHEMA_PATH = RESOURCES / "studies" / "study.schema.json"
# Far above any real design (the reference study: 66 patients in a 3 KB file), low
# enough that a slip such as last = 100000000 is refused at once instead of filling memory.
MAX_PATIENTS = 100_000
MAX_FILE_BYTES = 10_000_000


class StudyFileError(ValidationError):
    """A study file is invalid; nothing was created."""


@dataclass
class StudySpec:
    """A validated study design, ready for :func:`create_study`."""

    study: dict[str, Any]
    instruments: list[dict[str, Any]]  # raw instrument data (validated)
    teams: list[dict[str, Any]]
    raters: list[dict[str, Any]]
    patients: list[dict[str, Any]] = field(default_factory=list)  # code, sessions, dates, meta


def load_study_file(path: str | Path) -> StudySpec:
    """Read and check the study file at ``path``; StudyFileError lists every problem."""
    path = Path(path)
    text = read_text_file(path, MAX_FILE_BYTES, "a study file", StudyFileError)
    return load_study_text(text, source=str(path), base_dir=path.parent)


def load_study_text(text: str, source: str = "<text>", base_dir: Path | None = None) -> StudySpec:
    """Parse and check a study file's text; StudyFileError lists every problem (syntax errors too)."""
    try:
        data = _dates_to_text(parse_toml(text, source))
    except ValidationError as err:
        raise StudyFileError(source, err.problems) from None
    locate = Locator(text)
    problems = schema_problems(data, SCHEMA_PATH, locate)
    if problems:
        raise StudyFileError(source, problems)
    spec, problems = _check(data, locate, base_dir or Path.cwd())
    if problems:
        raise StudyFileError(source, problems)
    return spec


def _dates_to_text(data: dict[str, Any]) -> dict[str, Any]:
    # TOML has a date type; the schema (and the database layer) take ISO text.
    for patient in data.get("patients", []) if isinstance(data.get("patients"), list) else []:
        dates = patient.get("dates") if isinstance(patient, dict) else None
        if isinstance(dates, dict):
            for key, value in dates.items():
                if isinstance(value, dt.date):
                    dates[key] = value.isoformat()
    return data


def _instrument_path(name: str, base_dir: Path) -> Path:
    candidate = base_dir / name
    if candidate.exists():
        return candidate
    shipped = RESOURCES / "instruments" / name
    if shipped.exists():
        return shipped
    return RESOURCES / "instruments" / f"{name}.toml"


def _check(data: dict[str, Any], locate: Locator, base_dir: Path) -> tuple[StudySpec, list[Problem]]:
    problems: list[Problem] = []

    def add(path: list[Any], message: str) -> None:
        problems.append(Problem(fmt_path(path), message, locate.line(path)))

    instruments: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(data["instruments"]):
        path = _instrument_path(entry["file"], base_dir)
        try:
            _inst, raw = instrument_loader.load_file(path)
        except instrument_loader.InstrumentError as err:
            first = err.problems[0] if err.problems else "invalid"
            add(["instruments", i, "file"], f"{entry['file']}: {first}")
            continue
        if raw["id"] in instruments:
            add(["instruments", i, "file"], f"instrument {raw['id']!r} is listed twice")
        instruments[raw["id"]] = raw

    team_names: set[str] = set()
    for t, team in enumerate(data["teams"]):
        if team["name"] in team_names:
            add(["teams", t, "name"], f"duplicate team name {team['name']!r}")
        team_names.add(team["name"])
        for r, rate in enumerate(team["rates"]):
            if rate["instrument"] not in instruments and not any(p.location.startswith("instruments") for p in problems):
                add(["teams", t, "rates", r, "instrument"], f"unknown instrument {rate['instrument']!r} "
                    f"(listed: {', '.join(sorted(instruments)) or 'none'})")
            lo, hi = rate.get("sessions", [1, 1])
            if lo > hi:
                add(["teams", t, "rates", r, "sessions"], f"first session ({lo}) is after the last ({hi})")

    rater_codes: set[str] = set()
    for r, rater in enumerate(data.get("raters", [])):
        if rater["code"] in rater_codes:
            add(["raters", r, "code"], f"duplicate rater code {rater['code']!r}")
        rater_codes.add(rater["code"])
        if rater["team"] not in team_names:
            add(["raters", r, "team"], f"unknown team {rater['team']!r}")

    patients = _expand_patients(data, add)
    spec = StudySpec(
        study=data["study"],
        instruments=list(instruments.values()),
        teams=data["teams"],
        raters=data.get("raters", []),
        patients=patients,
    )
    return spec, problems


def _expand_patients(data: dict[str, Any], add) -> list[dict[str, Any]]:
    patients: list[dict[str, Any]] = []
    rng = data.get("patient_range")
    if rng and rng["last"] - rng["first"] + 1 > MAX_PATIENTS:
        add(["patient_range", "last"], f"{rng['last'] - rng['first'] + 1:,} patients; a study may have at most "
                                       f"{MAX_PATIENTS:,}")
    elif rng:
        if rng["first"] > rng["last"]:
            add(["patient_range", "first"], f"first ({rng['first']}) is after last ({rng['last']})")
        digits = rng.get("digits", len(str(rng["last"])))
        for n in range(rng["first"], rng["last"] + 1):
            patients.append({"code": f"{rng['prefix']}{n:0{digits}d}", "sessions": rng["sessions"], "dates": {},
                             "meta": {}})
    seen = {p["code"] for p in patients}
    for p, patient in enumerate(data.get("patients", [])):
        if patient["code"] in seen:
            add(["patients", p, "code"], f"duplicate patient code {patient['code']!r}")
        seen.add(patient["code"])
        if len(set(patient["sessions"])) != len(patient["sessions"]):
            add(["patients", p, "sessions"], "a session number is listed twice")
        for key in patient.get("dates", {}):
            if int(key) not in patient["sessions"]:
                add(["patients", p, "dates", key], f"date given for session {key}, which is not in 'sessions'")
        patients.append({"code": patient["code"], "sessions": patient["sessions"],
                         "dates": patient.get("dates", {}), "meta": patient.get("meta", {})})
    return patients


def create_study(db: Database, spec: StudySpec, actor: str = "coordinator") -> str:
    """Create every row of the study in one transaction; returns the study id."""
    info = spec.study
    with db.transaction() as s:
        if s.scalar(select(m.Study).where(m.Study.code == info["code"])) is not None:
            raise StudyFileError("study", [Problem("study.code", f"a study with code {info['code']!r} already exists")])
        settings = {k: info[k] for k in FILE_KEYS if k in info}
        study = m.Study(name=info["name"], code=info["code"], description=info.get("description", ""),
                        settings=settings)
        s.add(study)
        s.flush()
        instruments = {raw["id"]: register_data(s, raw) for raw in spec.instruments}
        teams = {}
        for team in spec.teams:
            row = m.Team(study_id=study.id, name=team["name"], description=team.get("description", ""),
                         raters_per_session=team.get("raters_per_session", 3),
                         keeps_homework_log=team.get("keeps_homework_log", False))
            for rate in team["rates"]:
                lo, hi = rate.get("sessions", [None, None])
                row.instruments.append(m.TeamInstrument(instrument_id=instruments[rate["instrument"]].id,
                                                        session_min=lo, session_max=hi))
            s.add(row)
            teams[team["name"]] = row
        s.flush()
        for rater in spec.raters:
            row = m.Rater(study_id=study.id, code=rater["code"], name=rater["name"],
                          pin_hash=hash_pin(rater["pin"]) if rater.get("pin") else None)
            s.add(row)
            s.flush()
            s.add(m.TeamMember(team_id=teams[rater["team"]].id, rater_id=row.id))
        for patient in spec.patients:
            prow = m.Patient(study_id=study.id, code=patient["code"], meta=patient["meta"])
            s.add(prow)
            s.flush()
            for number in patient["sessions"]:
                date = patient["dates"].get(str(number))
                s.add(m.Session(patient_id=prow.id, number=number,
                                date=dt.date.fromisoformat(date) if date else None))
        audit.record(s, actor=actor, action="create", entity="study", entity_id=study.id, field="study",
                     new={"code": info["code"], "teams": len(spec.teams), "raters": len(spec.raters),
                          "patients": len(spec.patients)}, study_id=study.id)
        log.info("created study %s", info["code"])
        return study.id
