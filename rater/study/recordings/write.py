"""Writing an import into the study: the rules applied against the rows already there.

Runs inside the caller's transaction, so an import is all-or-nothing. Every
created or changed row is audited with the reason "recording import".
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.storage import audit
from rater.storage import models as m
from rater.study.recordings import media_paths
from rater.study.recordings.files import DEFAULT_PRIORITY, FileIssue, RecordingEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportedRecording:
    recording_id: str
    patient: str
    session: int
    kind: str
    priority: int
    path: str  # as stored
    size: int
    checksum: str
    duration_ms: int | None


@dataclass
class ImportReport:
    """What happened to every entry; files not imported are listed with the reason."""

    imported: list[ImportedRecording] = field(default_factory=list)
    skipped: list[FileIssue] = field(default_factory=list)  # already imported
    duplicates: list[FileIssue] = field(default_factory=list)
    conflicts: list[FileIssue] = field(default_factory=list)
    unreadable: list[FileIssue] = field(default_factory=list)
    not_in_study: list[FileIssue] = field(default_factory=list)  # create_missing=False
    undecodable: list[FileIssue] = field(default_factory=list)  # will not play: not imported
    duration_unknown: list[FileIssue] = field(default_factory=list)  # imported without probing
    created_patients: list[str] = field(default_factory=list)
    created_sessions: list[tuple[str, int]] = field(default_factory=list)
    cancelled: bool = False


@dataclass(frozen=True)
class Checked:
    entry: RecordingEntry
    stored: str
    checksum: str
    size: int
    duration_ms: int | None

    @property
    def priority(self) -> int:
        return self.entry.priority if self.entry.priority is not None else DEFAULT_PRIORITY[self.entry.kind]


def drop_batch_duplicates(checked: list[Checked], report: ImportReport) -> list[Checked]:
    """Remove files that clash with another file of this import (same content, or same session and kind)."""
    by_content: dict[str, list[Checked]] = {}
    by_slot: dict[tuple[str, int, str], list[Checked]] = {}
    for c in checked:
        by_content.setdefault(c.checksum, []).append(c)
        by_slot.setdefault(c.entry.key, []).append(c)
    clashing: dict[Path, str] = {}
    for groups, what in ((by_content, "same content as"), (by_slot, "same session and kind as")):
        for group in groups.values():
            if len(group) < 2:
                continue
            for c in group:
                others = ", ".join(str(o.entry.path) for o in group if o is not c)
                clashing.setdefault(c.entry.path, f"{c.entry.label()}: {what} {others}; neither imported")
    report.duplicates.extend(FileIssue(path, reason) for path, reason in clashing.items())
    return [c for c in checked if c.entry.path not in clashing]


class StudyWriter:
    """Applies the rules against the study's current rows inside the caller's transaction."""

    def __init__(self, s: DbSession, study_id: str, actor: str, create_missing: bool, report: ImportReport):
        self.s, self.study_id, self.actor, self.create_missing, self.report = s, study_id, actor, create_missing, report
        study = s.get(m.Study, study_id)
        self.patients = {p.code.upper(): p for p in s.scalars(select(m.Patient).where(m.Patient.study_id == study_id))}
        self.sessions: dict[tuple[str, int], m.Session] = {}
        self.by_path: dict[str, m.Recording] = {}
        self.by_checksum: dict[str, m.Recording] = {}
        self.by_slot: dict[tuple[str, int, str], m.Recording] = {}
        for sess, code in s.execute(select(m.Session, m.Patient.code).join(m.Session.patient)
                                    .where(m.Patient.study_id == study_id)):
            self.sessions[(code.upper(), sess.number)] = sess
        recordings = s.execute(select(m.Recording, m.Patient.code, m.Session.number)
                               .join(m.Session, m.Recording.session_id == m.Session.id)
                               .join(m.Session.patient).where(m.Patient.study_id == study_id))
        for rec, code, number in recordings:
            # Known both by the stored text and by where it resolves now, so a file
            # stored absolute before a media root was set is still recognised.
            self.by_path[rec.path] = rec
            self.by_path[os.path.abspath(media_paths.resolve(s, study, rec.path))] = rec
            if rec.checksum:
                self.by_checksum[rec.checksum] = rec
            self.by_slot[(code.upper(), number, rec.kind)] = rec

    def write(self, checked: list[Checked]) -> None:
        """Apply the rules (module docstring of :mod:`rater.study.recordings.importing`) and add what passes."""
        # Files already in the study are settled first, so re-importing a folder
        # with one new file beside an imported one is not mistaken for a pair.
        fresh = [c for c in checked if not self._known_path(c)]
        for c in drop_batch_duplicates(fresh, self.report):
            if not self._clashes(c):
                self._add(c)

    def _known_path(self, c: Checked) -> bool:
        path = c.entry.path
        rec = self.by_path.get(c.stored) or self.by_path.get(str(path))
        if rec is None:
            return False
        if rec.checksum is None:
            self._fill_in(rec, c)
            self.report.skipped.append(FileIssue(path, "already imported (checksum recorded now)"))
        elif rec.checksum == c.checksum:
            if rec.duration_ms is None and c.duration_ms is not None:
                # Probing failed last time (no libVLC or ffprobe then, say); keep what it says now.
                self._fill_in(rec, c)
                self.report.skipped.append(FileIssue(path, "already imported (duration recorded now)"))
            else:
                self.report.skipped.append(FileIssue(path, "already imported"))
        else:
            self.report.conflicts.append(FileIssue(path, "the file changed since it was imported "
                                                         "(different checksum); not imported"))
        return True

    def _clashes(self, c: Checked) -> bool:
        path = c.entry.path
        same = self.by_checksum.get(c.checksum)
        if same is not None:
            self.report.duplicates.append(FileIssue(path, f"same content as the recording already imported "
                                                          f"as {same.path}"))
            return True
        taken = self.by_slot.get(c.entry.key)
        if taken is not None:
            self.report.conflicts.append(FileIssue(path, f"{c.entry.patient} session {c.entry.session} already "
                                                         f"has a {c.entry.kind} recording: {taken.path}"))
            return True
        return False

    def _fill_in(self, rec: m.Recording, c: Checked) -> None:
        changes = {"checksum": c.checksum, "size": c.size}
        if rec.duration_ms is None and c.duration_ms is not None:
            changes["duration_ms"] = c.duration_ms
        for name, value in changes.items():
            old = getattr(rec, name)
            if old != value:
                setattr(rec, name, value)
                self._audit("update", "recording", rec.id, field=name, old=old, new=value)
        self.by_checksum[c.checksum] = rec

    def _add(self, c: Checked) -> None:
        e = c.entry
        sess = self._session(e)
        if sess is None:
            self.report.not_in_study.append(FileIssue(e.path, f"{e.patient} session {e.session} is not in the study"))
            return
        rec = m.Recording(id=m.new_id(), session_id=sess.id, path=c.stored, kind=e.kind, priority=c.priority,
                          size=c.size, checksum=c.checksum, duration_ms=c.duration_ms)
        self.s.add(rec)
        self._audit("create", "recording", rec.id, new={
            "session": f"{e.patient} S{e.session}", "path": c.stored, "kind": e.kind, "priority": c.priority,
            "size": c.size, "checksum": c.checksum, "duration_ms": c.duration_ms})
        self.by_path[c.stored] = self.by_checksum[c.checksum] = self.by_slot[e.key] = rec
        self.report.imported.append(ImportedRecording(rec.id, e.patient, e.session, e.kind, c.priority, c.stored,
                                                      c.size, c.checksum, c.duration_ms))

    def _session(self, e: RecordingEntry) -> m.Session | None:
        key = (e.patient.upper(), e.session)
        sess = self.sessions.get(key)
        if sess is not None:
            if sess.date is None and e.date is not None:
                sess.date = e.date
                self._audit("update", "session", sess.id, field="date", new=e.date)
            return sess
        if not self.create_missing:
            return None
        patient = self.patients.get(key[0])
        if patient is None:
            patient = m.Patient(id=m.new_id(), study_id=self.study_id, code=e.patient, meta={})
            self.s.add(patient)
            self.patients[key[0]] = patient
            self._audit("create", "patient", patient.id, new=e.patient)
            self.report.created_patients.append(e.patient)
        sess = m.Session(id=m.new_id(), patient_id=patient.id, number=e.session, date=e.date, meta={})
        self.s.add(sess)
        self.sessions[key] = sess
        self._audit("create", "session", sess.id, new={"patient": patient.code, "number": e.session, "date": e.date})
        self.report.created_sessions.append((patient.code, e.session))
        return sess

    def _audit(self, action: str, entity: str, entity_id: str, **values: Any) -> None:
        audit.record(self.s, actor=self.actor, action=action, entity=entity, entity_id=entity_id,
                     study_id=self.study_id, reason="recording import", **values)
