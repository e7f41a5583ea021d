"""Exporting a study's set-up to a study package, for the desktops that raters use.

The package carries every set-up row with its UUID, so ratings made on any
desktop refer to the same assignments, raters and recordings and pool by id.
Recordings travel as paths relative to the media root plus size, checksum
and duration — never the media itself.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.pooling import container
from rater.pooling.errors import PackageError
from rater.pooling.records import day, when
from rater.pooling.training_records import KEY as TRAINING_KEY
from rater.pooling.training_records import training_payload
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.recordings import media_paths
from rater.study.recordings.files import stored_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyExport:
    """What :func:`export_study` wrote; ``absolute_paths`` lists recordings outside the media root."""

    path: Path
    package_id: str
    study_code: str
    counts: dict[str, int]
    absolute_paths: tuple[str, ...]


def export_study(db: Database, out: str | os.PathLike[str], study_id: str) -> StudyExport:
    """Write the study's set-up (no ratings) to the package ``out``."""
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise PackageError("The study was not found in this database.")
        root = media_paths.media_root(s, study)
        payload = study_payload(s, study, root)
        info = {"id": study.id, "code": study.code}
    outside = tuple(r["path"] for r in payload["recordings"] if not _relative(r["path"]))
    if outside:
        log.warning("%d recording(s) of %s are outside the media root and keep absolute paths", len(outside),
                    info["code"])
    counts = {key: len(payload[key]) for key in ("instruments", "teams", "raters", "patients", "sessions",
                                                 "recordings", "assignments", "homework")}
    manifest = container.write_package(out, "study", info, payload, extra={"summary": counts})
    return StudyExport(Path(out), manifest["package_id"], info["code"], counts, outside)


def _relative(path: str) -> bool:
    return not (PurePosixPath(path).is_absolute() or Path(path).is_absolute())


def _path(stored: str, root: Path | None) -> str:
    if _relative(stored) or root is None:
        return stored
    return stored_path(Path(stored), root)


def study_payload(s: DbSession, study: m.Study, root: Path | None) -> dict[str, Any]:
    """Every set-up row of the study as plain data, in a stable order."""
    teams = list(s.scalars(select(m.Team).where(m.Team.study_id == study.id).order_by(m.Team.name)))
    team_ids = [t.id for t in teams]
    members = s.execute(select(m.TeamMember.team_id, m.TeamMember.rater_id)
                        .where(m.TeamMember.team_id.in_(team_ids))).all() if team_ids else []
    raters = s.scalars(select(m.Rater).where(m.Rater.study_id == study.id).order_by(m.Rater.code))
    patients = list(s.scalars(select(m.Patient).where(m.Patient.study_id == study.id).order_by(m.Patient.code)))
    sessions = list(s.scalars(select(m.Session).join(m.Patient).where(m.Patient.study_id == study.id)
                              .order_by(m.Patient.code, m.Session.number)))
    recordings = [r for sess in sessions for r in sess.recordings]
    assignments = list(s.scalars(select(m.Assignment).where(m.Assignment.study_id == study.id)
                                 .order_by(m.Assignment.rater_id, m.Assignment.queue_position, m.Assignment.id)))
    homework = s.scalars(select(m.HomeworkEntry).join(m.Session).join(m.Patient)
                         .where(m.Patient.study_id == study.id)
                         .order_by(m.HomeworkEntry.created_at, m.HomeworkEntry.id))
    instrument_ids = {ti.instrument_id for t in teams for ti in t.instruments} | {a.instrument_id for a in assignments}
    instruments = s.scalars(select(m.InstrumentRecord).where(m.InstrumentRecord.id.in_(instrument_ids))
                            .order_by(m.InstrumentRecord.key, m.InstrumentRecord.version)) if instrument_ids else []
    return {
        "study": {"id": study.id, "code": study.code, "name": study.name, "description": study.description,
                  "settings": study.settings, "created_at": when(study.created_at)},
        "media_root": str(root) if root else None,
        "instruments": [{"id": i.id, "key": i.key, "version": i.version, "name": i.name, "content": i.content,
                         "content_hash": i.content_hash, "created_at": when(i.created_at)} for i in instruments],
        "teams": [{"id": t.id, "name": t.name, "description": t.description,
                   "raters_per_session": t.raters_per_session, "keeps_homework_log": t.keeps_homework_log,
                   "instruments": [{"id": ti.id, "instrument_id": ti.instrument_id, "session_min": ti.session_min,
                                    "session_max": ti.session_max}
                                   for ti in sorted(t.instruments, key=lambda x: x.id)],
                   "members": sorted(r for team_id, r in members if team_id == t.id)} for t in teams],
        "raters": [{"id": r.id, "code": r.code, "name": r.name, "pin_hash": r.pin_hash, "active": r.active,
                    "created_at": when(r.created_at)} for r in raters],
        "patients": [{"id": p.id, "code": p.code, "meta": p.meta} for p in patients],
        "sessions": [{"id": x.id, "patient_id": x.patient_id, "number": x.number, "date": day(x.date),
                      "is_practice": x.is_practice, "meta": x.meta} for x in sessions],
        "recordings": [{"id": r.id, "session_id": r.session_id, "path": _path(r.path, root), "kind": r.kind,
                        "priority": r.priority, "size": r.size, "checksum": r.checksum,
                        "duration_ms": r.duration_ms, "added_at": when(r.added_at)} for r in recordings],
        "assignments": [{"id": a.id, "session_id": a.session_id, "rater_id": a.rater_id,
                         "instrument_id": a.instrument_id, "team_id": a.team_id,
                         "queue_position": a.queue_position, "purpose": a.purpose,
                         "created_at": when(a.created_at)} for a in assignments],
        "homework": [{"id": h.id, "session_id": h.session_id, "kind": h.kind, "description": h.description,
                      "author": h.author, "created_at": when(h.created_at)} for h in homework],
        TRAINING_KEY: training_payload(s, study.id),
    }
