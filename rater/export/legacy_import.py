"""Importing legacy ratings (e.g. typed in from paper forms) into a study.

The file is long format, one item score per row: ``rater_id`` (rater code),
``instrument`` (instrument key), ``item``, ``score`` and the session, either
as ``session_id`` or as ``patient_id`` (patient code) + ``session_number``.
Optional: ``instrument_version`` (needed only when the study holds two
versions), ``submitted_at`` (ISO date/time of the paper rating) and ``note``.
A score may be blank (left unanswered) or ``N/A`` where the item allows it.

All or nothing: every bad row is reported with its line and, if there is
any, nothing is imported. Imported ratings become submitted ratings of
"study" assignments, with audit events by ``import:<file name>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.export.legacy_read import SourceRow, TableReadError, read_table
from rater.instruments.model import Item
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.assign.db import next_positions
from rater.study.reports.reliability_data import StudyInstrument, study_catalog
from rater.study.setup.session_range import SessionRange

log = logging.getLogger(__name__)

REQUIRED = ("rater_id", "instrument", "item", "score")
NA_WORDS = {"na", "n/a"}


class LegacyImportError(Exception):
    """The file was not imported; ``problems`` lists every reason with its line."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    file: str
    ratings: int
    item_scores: int
    blank_scores: int
    raters_created: list[str] = field(default_factory=list)


@dataclass
class _Score:
    line: int
    item: str
    value: int | None
    is_na: bool
    note: str


@dataclass
class _Group:
    """One rating to create: a rater's scores of one session on one instrument."""

    session_id: str
    rater: str  # code
    instrument: StudyInstrument
    first_line: int
    submitted_at: datetime | None = None
    scores: list[_Score] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _score(raw: Any, item: Item) -> tuple[int | None, bool, str | None]:
    """(value, is_na, problem) for one cell."""
    text = _text(raw)
    if not text:
        return None, False, None
    if text.lower() in NA_WORDS:
        return (None, True, None) if item.na_allowed else (None, False, f"item {item.id} cannot be N/A")
    try:
        number = float(text)
    except ValueError:
        return None, False, f"score {text!r} is not a number"
    if not number.is_integer():
        return None, False, f"score {text} is not a whole number"
    if not item.min <= number <= item.max:
        return None, False, f"score {int(number)} is outside {item.min}-{item.max} for item {item.id}"
    return int(number), False, None


def _when(raw: Any) -> tuple[datetime | None, str | None]:
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None), None
    if isinstance(raw, date):
        return datetime.combine(raw, datetime.min.time()), None
    text = _text(raw)
    if not text:
        return None, None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None), None
    except ValueError:
        return None, f"submitted_at {text!r} is not an ISO date (YYYY-MM-DD[ HH:MM])"


class _Lookups:
    """The study as dictionaries, read once inside the import's transaction."""

    def __init__(self, s: DbSession, study_id: str):
        rows = s.execute(select(m.Session.id, m.Session.number, m.Patient.code)
                         .join(m.Patient, m.Patient.id == m.Session.patient_id)
                         .where(m.Patient.study_id == study_id)).all()
        self.session_number = {sid: number for sid, number, _code in rows}
        self.session_label = {sid: f"{code} session {number}" for sid, number, code in rows}
        self.session_by_patient = {(code, number): sid for sid, number, code in rows}
        self.patients = {code for _sid, _n, code in rows}
        self.raters = dict(s.execute(select(m.Rater.code, m.Rater.id).where(m.Rater.study_id == study_id)).all())
        self.versions = study_catalog(s, study_id).versions
        self.assignments = {(a.session_id, a.rater_id, a.instrument_id): a for a in s.scalars(
            select(m.Assignment).where(m.Assignment.study_id == study_id))}
        self.rated = set(s.scalars(select(m.Rating.assignment_id).join(
            m.Assignment, m.Assignment.id == m.Rating.assignment_id).where(m.Assignment.study_id == study_id)))

    def session(self, row: dict[str, Any]) -> tuple[str | None, str | None]:
        sid = _text(row.get("session_id"))
        if sid:
            return (sid, None) if sid in self.session_number else (None, f"unknown session {sid!r}")
        patient, number = _text(row.get("patient_id")), _text(row.get("session_number"))
        if not patient or not number:
            return None, "no session: give session_id, or patient_id and session_number"
        if patient not in self.patients:
            return None, f"unknown patient {patient!r}"
        if not number.isdigit() or (patient, int(number)) not in self.session_by_patient:
            return None, f"patient {patient} has no session {number!r}"
        return self.session_by_patient[(patient, int(number))], None

    def instrument(self, row: dict[str, Any]) -> tuple[StudyInstrument | None, str | None]:
        key, version = _text(row.get("instrument")), _text(row.get("instrument_version"))
        found = [v for v in self.versions if v.key == key and (not version or v.version == version)]
        if len(found) == 1:
            return found[0], None
        if not key:
            return None, "instrument is empty"
        if not found:
            known = ", ".join(dict.fromkeys(v.key for v in self.versions)) or "none"
            what = f"{key!r} version {version!r}" if version else repr(key)
            return None, f"unknown instrument {what} (this study uses: {known})"
        return None, f"instrument {key} has several versions in this study; add an instrument_version column"


def _check_rows(rows: list[SourceRow], look: _Lookups, create_raters: bool) -> tuple[list[_Group], list[str]]:
    problems: list[str] = []
    groups: dict[tuple[str, str, str], _Group] = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    for row in rows:
        values, line = row.values, row.line
        errors = []
        sid, err = look.session(values)
        errors += [err] if err else []
        rater = _text(values.get("rater_id"))
        if not rater:
            errors.append("rater_id is empty")
        elif rater not in look.raters and not create_raters:
            errors.append(f"unknown rater {rater!r} (use --rater-create to add new raters)")
        inst, err = look.instrument(values)
        errors += [err] if err else []
        item_id = _text(values.get("item"))
        item = None
        if inst is not None:
            try:
                item = inst.model.item(item_id)
            except KeyError:
                errors.append(f"unknown item {item_id!r} for instrument {inst.key}")
        value, is_na, err = _score(values.get("score"), item) if item else (None, False, None)
        errors += [err] if err else []
        when, err = _when(values.get("submitted_at"))
        errors += [err] if err else []
        if item and sid and value is not None and not inst.model.item_applies(item.id, look.session_number[sid]):
            errors.append(inst.model.not_applicable_reason(item.id, look.session_number[sid]))
        if sid and rater and inst and item:
            key = (sid, rater, inst.row_id, item.id)
            if key in seen:
                errors.append(f"duplicate: line {seen[key]} already gives {rater}'s {item.id} for "
                              f"{look.session_label[sid]}")
            seen.setdefault(key, line)
        if errors:
            problems += [f"line {line}: {e}" for e in errors]
            continue
        group = groups.setdefault((sid, rater, inst.row_id), _Group(sid, rater, inst, line))
        group.submitted_at = when if group.submitted_at is None else group.submitted_at
        group.scores.append(_Score(line, item.id, value, is_na, _text(values.get("note"))))
    for group in groups.values():
        existing = look.assignments.get((group.session_id, look.raters.get(group.rater), group.instrument.row_id))
        if existing is not None and existing.id in look.rated:
            problems.append(f"line {group.first_line}: {group.rater} already has a rating of "
                            f"{group.instrument.key} for {look.session_label[group.session_id]} in the database "
                            f"({existing.status.replace('_', ' ')})")
    return list(groups.values()), problems


def _team_for(s: DbSession, study_id: str, rater_id: str, key: str, number: int) -> str | None:
    """The rater's team that rates ``key`` in session ``number``, else the only team that does."""
    rows = s.execute(select(m.Team.id, m.TeamInstrument.session_min, m.TeamInstrument.session_max)
                     .join(m.TeamInstrument, m.TeamInstrument.team_id == m.Team.id)
                     .join(m.InstrumentRecord, m.InstrumentRecord.id == m.TeamInstrument.instrument_id)
                     .where(m.Team.study_id == study_id, m.InstrumentRecord.key == key)).all()
    teams = {tid for tid, lo, hi in rows if SessionRange(lo, hi).covers(number)}
    mine = set(s.scalars(select(m.TeamMember.team_id).where(m.TeamMember.rater_id == rater_id))) & teams
    choice = mine or teams
    return next(iter(choice)) if len(choice) == 1 else None


def _write(s: DbSession, study_id: str, groups: list[_Group], look: _Lookups, actor: str) -> list[str]:
    created = []
    for code in sorted({g.rater for g in groups} - set(look.raters)):
        rater = m.Rater(study_id=study_id, code=code, name=code)
        s.add(rater)
        s.flush()
        look.raters[code] = rater.id
        created.append(code)
        audit.record(s, actor=actor, action="create", entity="rater", entity_id=rater.id, field="rater",
                     new={"code": code}, study_id=study_id)
    now = m.utcnow()
    # New assignments go after each rater's existing queue, as the generator's do.
    positions = next_positions(s, {look.raters[g.rater] for g in groups})
    for group in groups:
        rater_id = look.raters[group.rater]
        number = look.session_number[group.session_id]
        assignment = look.assignments.get((group.session_id, rater_id, group.instrument.row_id))
        if assignment is None:
            assignment = m.Assignment(study_id=study_id, session_id=group.session_id, rater_id=rater_id,
                                      instrument_id=group.instrument.row_id, purpose="study",
                                      team_id=_team_for(s, study_id, rater_id, group.instrument.key, number),
                                      queue_position=positions[rater_id])
            positions[rater_id] += 1
            s.add(assignment)
            s.flush()
            audit.record(s, actor=actor, action="create", entity="assignment", entity_id=assignment.id,
                         field="assignment", new={"session": look.session_label[group.session_id],
                                                  "rater": group.rater, "instrument": group.instrument.key},
                         study_id=study_id)
        submitted = group.submitted_at or now
        rating = m.Rating(assignment_id=assignment.id, revision=1, started_at=submitted, updated_at=now,
                          submitted_at=submitted)
        rating.scores = [m.ItemScore(item_id=sc.item, value=sc.value, is_na=sc.is_na, note=sc.note)
                         for sc in group.scores if sc.value is not None or sc.is_na or sc.note]
        assignment.status = "submitted"
        s.add(rating)
        s.flush()
        audit.record(s, actor=actor, action="create", entity="rating", entity_id=rating.id, field="scores",
                     new={sc.item: "N/A" if sc.is_na else sc.value for sc in group.scores}, study_id=study_id)
        audit.record(s, actor=actor, action="submit", entity="rating", entity_id=rating.id, field="status",
                     old="not_started", new="submitted", study_id=study_id)
    return created


def import_legacy_ratings(db: Database, study_id: str, path: str | Path, *,
                          create_raters: bool = False) -> ImportSummary:
    """Import ``path`` into the study; raises :class:`LegacyImportError` (nothing imported) on any bad row."""
    path = Path(path)
    try:
        columns, rows, problems = read_table(path)
    except TableReadError as err:
        raise LegacyImportError(err.problems) from None
    missing = [c for c in REQUIRED if c not in columns]
    if "session_id" not in columns and not {"patient_id", "session_number"} <= set(columns):
        missing.append("session_id (or patient_id and session_number)")
    if missing:
        raise LegacyImportError([f"line 1: missing column(s): {', '.join(missing)}"])
    actor = f"import:{path.name}"
    with db.transaction() as s:
        look = _Lookups(s, study_id)
        groups, bad = _check_rows(rows, look, create_raters)
        problems += bad
        if problems:
            problems.sort(key=lambda p: int(p.split(":")[0].split()[-1]) if p.startswith("line ") else 0)
            raise LegacyImportError(problems)
        created = _write(s, study_id, groups, look, actor)
    n_scores = sum(1 for g in groups for sc in g.scores if sc.value is not None or sc.is_na)
    blank = sum(1 for g in groups for sc in g.scores if sc.value is None and not sc.is_na)
    log.info("imported %d ratings (%d item scores) from %s", len(groups), n_scores, path)
    return ImportSummary(path.name, len(groups), n_scores, blank, created)
