"""Importing a study package on a desktop: the coordinator's set-up, with the same UUIDs.

Importing again (a newer package of the same study) brings the set-up up to
date — new raters, sessions, recordings and assignments are added, changed
rows updated — and never touches ratings. Rows made on this desktop that
clash with the package (same study code, rater code … but another id) refuse
the whole package: they would split one study into two.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from rater.instruments.loader import content_hash
from rater.pooling import container
from rater.pooling.errors import PackageError
from rater.pooling.records import parse_day, parse_when
from rater.pooling.study_check import check_recordings
from rater.pooling.training_records import KEY as TRAINING_KEY
from rater.pooling.training_records import apply_training
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.recordings import media_paths
from rater.study.recordings.verify import RecordingProblem

log = logging.getLogger(__name__)

# Columns that identify a row besides its id: a different id with the same values is a clash.
NATURAL_KEYS = {
    m.Study: ("code",), m.Team: ("study_id", "name"), m.TeamInstrument: ("team_id", "instrument_id"),
    m.Rater: ("study_id", "code"), m.Patient: ("study_id", "code"), m.Session: ("patient_id", "number"),
    m.Assignment: ("session_id", "rater_id", "instrument_id"),
}


@dataclass
class StudyImport:
    """The outcome of :func:`import_study`; ``problems`` lists recordings that are missing or differ."""

    study_id: str
    study_code: str
    created: bool
    media_root: str | None
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    kept_local: list[str] = field(default_factory=list)
    problems: list[RecordingProblem] = field(default_factory=list)
    hashed: bool = True

    @property
    def changed(self) -> bool:
        return bool(self.created or self.added or self.updated)


def import_study(db: Database, path: str | os.PathLike[str], media_root: str | os.PathLike[str] | None = None,
                 verify: bool = True, progress: Callable[[int, int, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> StudyImport:
    """Create or update the study from a study package, then check its recordings under ``media_root``.

    ``verify=False`` checks only that each file exists with the right size
    (no hashing, for slow shares); ``progress``/``cancel`` follow the hashing.
    """
    pkg = container.read_package(path, "study")
    name = Path(path).name
    try:
        with db.transaction() as s:
            result = _apply(s, pkg.payload, name, media_root, pkg.id)
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageError(f"{name}: the package content is malformed ({exc!r}); nothing was imported.") from None
    result.hashed = verify
    result.problems = check_recordings(db, result.study_id, hash_files=verify, progress=progress, cancel=cancel)
    log.info("study package %s imported (%s): %d recording problem(s)", name,
             "created" if result.created else "updated" if result.changed else "unchanged", len(result.problems))
    return result


class _Rows:
    """Insert-or-update by id, counting what changed and refusing natural-key clashes."""

    def __init__(self, s: DbSession, name: str):
        self.s, self.name = s, name
        self.added: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()

    def put(self, label: str, model: type, values: dict[str, Any], update: tuple[str, ...] | None = None) -> Any:
        row = self.s.get(model, values["id"])
        if row is None:
            self._refuse_clash(label, model, values)
            row = model(**values)
            self.s.add(row)
            self.s.flush()
            self.added[label] += 1
            return row
        changed = False
        for key in update if update is not None else values:
            if getattr(row, key) != values[key]:
                setattr(row, key, values[key])
                changed = True
        if changed:
            self.updated[label] += 1
        return row

    def _refuse_clash(self, label: str, model: type, values: dict[str, Any]) -> None:
        keys = NATURAL_KEYS.get(model)
        if not keys:
            return
        query = select(model).where(*(getattr(model, k) == values[k] for k in keys), model.id != values["id"])
        if self.s.scalar(query) is not None:
            shown = values.get("code") or values.get("name") or values["id"]
            raise PackageError(
                f"{self.name}: this database already has a {label} {shown!r} that was not created from this "
                "study package (same name, different identity). Nothing was imported; use a fresh database "
                "for this desktop or remove the local copy."
            )


def _apply(s: DbSession, data: dict[str, Any], name: str, media_root: Any, package_id: str) -> StudyImport:
    info = data["study"]
    rows = _Rows(s, name)
    created = s.get(m.Study, info["id"]) is None
    study = rows.put("study", m.Study, {
        "id": info["id"], "code": info["code"], "name": info["name"], "description": info["description"],
        "settings": info["settings"], "created_at": parse_when(info["created_at"])})
    instruments = _instruments(s, data["instruments"], name, rows)
    for team in data["teams"]:
        rows.put("team", m.Team, {k: team[k] for k in ("id", "name", "description", "raters_per_session",
                                                          "keeps_homework_log")} | {"study_id": study.id})
        for ti in team["instruments"]:
            rows.put("team instrument", m.TeamInstrument, {**ti, "team_id": team["id"],
                                                           "instrument_id": instruments[ti["instrument_id"]]})
    for rater in data["raters"]:
        rows.put("rater", m.Rater, {**rater, "study_id": study.id, "created_at": parse_when(rater["created_at"])})
    for team in data["teams"]:
        _members(s, team["id"], set(team["members"]), rows)
    for patient in data["patients"]:
        rows.put("patient", m.Patient, {**patient, "study_id": study.id})
    for sess in data["sessions"]:
        rows.put("session", m.Session, {**sess, "date": parse_day(sess["date"])})
    for rec in data["recordings"]:
        rows.put("recording", m.Recording, {**rec, "added_at": parse_when(rec["added_at"])})
    for a in data["assignments"]:
        _assignment(s, rows, a | {"study_id": study.id, "instrument_id": instruments[a["instrument_id"]]}, name)
    kept = _homework(s, data["homework"], rows)
    # Packages written before training existed have no training part.
    if written := apply_training(s, study.id, data.get(TRAINING_KEY, {}), instruments):
        rows.updated["training record"] += written
    if media_root is not None:
        # Only an explicit folder becomes this desktop's override; otherwise the study's own root applies.
        root = str(Path(media_root).expanduser().resolve())
        before = s.get(m.Setting, media_paths.setting_key(study.id))
        if before is None or before.value != root:
            media_paths.set_desktop_root(s, study.id, root)
            rows.updated["media root"] += 1
    effective = media_paths.media_root(s, study)
    root = str(effective) if effective is not None else None
    result = StudyImport(study.id, study.code, created, root, dict(rows.added), dict(rows.updated), kept)
    if result.changed:
        audit.record(s, actor="coordinator", action="import", entity="study", entity_id=study.id,
                     field="study package", new={"package": package_id, "added": result.added,
                                                  "updated": result.updated}, study_id=study.id)
    return result


def _instruments(s: DbSession, items: list[dict[str, Any]], name: str, rows: _Rows) -> dict[str, str]:
    """Package instrument id → the id of the same instrument (key, version, content) here."""
    out = {}
    for inst in items:
        if content_hash(inst["content"]) != inst["content_hash"]:
            raise PackageError(f"{name}: instrument {inst['key']} does not match its own hash; the file was changed.")
        ident = (inst["key"], inst["version"], inst["content_hash"])
        row = s.get(m.InstrumentRecord, inst["id"])
        if row is not None and (row.key, row.version, row.content_hash) != ident:
            raise PackageError(f"{name}: instrument {inst['key']} {inst['version']} has the id of a different "
                               "instrument in this database; nothing was imported.")
        if row is None:
            # Instruments are shared by studies: the same content may already be here under another id.
            row = s.scalar(select(m.InstrumentRecord).where(m.InstrumentRecord.key == ident[0], m.InstrumentRecord.version == ident[1],
                                                      m.InstrumentRecord.content_hash == ident[2]))
        if row is None:
            row = rows.put("instrument", m.InstrumentRecord, {**inst, "created_at": parse_when(inst["created_at"])})
        out[inst["id"]] = row.id
    return out


def _members(s: DbSession, team_id: str, wanted: set[str], rows: _Rows) -> None:
    have = set(s.scalars(select(m.TeamMember.rater_id).where(m.TeamMember.team_id == team_id)))
    for rater_id in sorted(wanted - have):
        s.add(m.TeamMember(team_id=team_id, rater_id=rater_id))
        rows.added["team member"] += 1
    if have - wanted:
        s.execute(delete(m.TeamMember).where(m.TeamMember.team_id == team_id,
                                             m.TeamMember.rater_id.in_(have - wanted)))
        rows.updated["team member"] += len(have - wanted)
    s.flush()


def _assignment(s: DbSession, rows: _Rows, a: dict[str, Any], name: str) -> None:
    row = s.get(m.Assignment, a["id"])
    fixed = ("session_id", "rater_id", "instrument_id")
    if row is not None and any(getattr(row, k) != a[k] for k in fixed):
        rated = s.scalar(select(m.Rating.id).where(m.Rating.assignment_id == row.id)) is not None
        if rated:
            raise PackageError(f"{name}: an assignment that is already being rated here now names another session, "
                               "rater or instrument in the package; nothing was imported.")
    values = a | {"created_at": parse_when(a["created_at"]), "status": "not_started"}
    # Status belongs to the rating on this desktop; only set-up fields follow the package.
    rows.put("assignment", m.Assignment, values,
             update=None if row is None else (*fixed, "team_id", "queue_position", "purpose"))


def _homework(s: DbSession, entries: list[dict[str, Any]], rows: _Rows) -> list[str]:
    """Add entries this desktop lacks; an entry edited here is kept and listed, not overwritten."""
    kept = []
    for entry in entries:
        row = s.get(m.HomeworkEntry, entry["id"])
        if row is None:
            rows.put("homework entry", m.HomeworkEntry, {**entry, "created_at": parse_when(entry["created_at"])})
        elif (row.kind, row.description) != (entry["kind"], entry["description"]):
            kept.append(f"homework entry {entry['id'][:8]} differs from the coordinator's; kept this desktop's")
    return kept
