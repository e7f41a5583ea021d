"""Checking a study's recordings on this desktop after a study package is imported."""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import select

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.recordings import media_paths
from rater.study.recordings.verify import RecordingProblem, verify_recordings


def check_recordings(db: Database, study_id: str, hash_files: bool = True,
                     progress: Callable[[int, int, str], None] | None = None,
                     cancel: Callable[[], bool] | None = None) -> list[RecordingProblem]:
    """Recordings that are missing or differ under this desktop's media root.

    With ``hash_files`` every file is re-hashed against the coordinator's
    checksum; without it only presence and size are checked, which is quick
    on a slow network share but cannot see a same-size file with other content.
    """
    if hash_files:
        return verify_recordings(db, study_id, progress, cancel)
    problems = []
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        rows = s.execute(select(m.Recording, m.Patient.code, m.Session.number)
                         .join(m.Session, m.Recording.session_id == m.Session.id)
                         .join(m.Session.patient).where(m.Patient.study_id == study_id)
                         .order_by(m.Patient.code, m.Session.number, m.Recording.priority))
        for rec, patient, number in rows:
            where = media_paths.resolve(s, study, rec.path)
            detail = None
            if not where.is_file():
                kind, detail = "missing", f"not found at {where}"
            elif rec.size is not None and os.path.getsize(where) != rec.size:
                kind, detail = "changed", f"{where} is {os.path.getsize(where)} bytes, {rec.size} expected"
            if detail is not None:
                problems.append(RecordingProblem(rec.id, patient, number, rec.kind, kind, rec.path, where, detail))
    return problems
