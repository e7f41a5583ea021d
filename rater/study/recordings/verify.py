"""Checking that a study's recordings are still where, and what, they were at import.

Paths resolve through this desktop's media root (its override first, then the
study's), so a desktop that mounts the share elsewhere verifies cleanly once
its override is set. A missing file whose name, size and checksum turn up
elsewhere under the root is reported as *moved*, with where it was found.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import NotFound
from rater.study.recordings import media_paths
from rater.study.recordings.files import Cancel, Progress, hash_file, is_hidden, name_is_text, printable

log = logging.getLogger(__name__)

PROBLEMS = ("missing", "moved", "changed", "unreadable")


@dataclass(frozen=True)
class RecordingProblem:
    """One recording that would not play as imported; ``problem`` is one of :data:`PROBLEMS`."""

    recording_id: str
    patient: str
    session: int
    kind: str
    problem: str
    stored_path: str
    expected_at: Path
    detail: str
    found_at: Path | None = None

    def __str__(self) -> str:
        return f"{self.patient} S{self.session} {self.kind}: {self.problem} — {self.detail}"


@dataclass(frozen=True)
class _Stored:
    id: str
    patient: str
    session: int
    kind: str
    path: str
    size: int | None
    checksum: str | None
    expected_at: Path


def verify_recordings(db: Database, study_id: str, progress: Progress | None = None,
                      cancel: Cancel | None = None) -> list[RecordingProblem]:
    """Every recording of the study that is missing, moved, changed or unreadable (empty list: all fine).

    Files are re-hashed, so this reads every byte; ``progress`` is called as for
    an import and ``cancel()`` returning True raises :class:`Cancelled`.
    """
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise NotFound("The study was not found.")
        root = media_paths.media_root(s, study)
        rows = s.execute(select(m.Recording, m.Patient.code, m.Session.number)
                         .join(m.Session, m.Recording.session_id == m.Session.id)
                         .join(m.Session.patient).where(m.Patient.study_id == study_id)
                         .order_by(m.Patient.code, m.Session.number, m.Recording.priority))
        stored = [_Stored(r.id, code, number, r.kind, r.path, r.size, r.checksum,
                          media_paths.resolve(s, study, r.path)) for r, code, number in rows]
    present: list[_Stored] = []
    missing: list[_Stored] = []
    for rec in stored:
        (present if rec.expected_at.is_file() else missing).append(rec)
    bar = _Bar(progress, sum(os.path.getsize(r.expected_at) for r in present))
    problems = [p for p in (_check_present(r, bar, cancel) for r in present) if p is not None]
    problems.extend(_look_for_missing(missing, root, bar, cancel))
    bar.finish()
    log.info("verified %d recording(s) of study %s: %d problem(s)", len(stored), study_id, len(problems))
    return problems


class _Bar:
    """Progress across both passes; the total grows when moved-file candidates are hashed."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done, self.current = progress, total, 0, ""

    def step(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total, self.current)

    def start(self, name: str, extra: int = 0) -> None:
        self.current = name
        self.total += extra
        self.step(0)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total, "")


def _problem(rec: _Stored, problem: str, detail: str, found_at: Path | None = None) -> RecordingProblem:
    return RecordingProblem(rec.id, rec.patient, rec.session, rec.kind, problem, rec.path, rec.expected_at,
                            detail, found_at)


def _check_present(rec: _Stored, bar: _Bar, cancel: Cancel | None) -> RecordingProblem | None:
    size = os.path.getsize(rec.expected_at)
    if rec.size is not None and size != rec.size:
        bar.step(size)
        return _problem(rec, "changed", f"{rec.expected_at} is {size} bytes, {rec.size} when imported")
    if rec.checksum is None:
        bar.step(size)
        return None
    bar.start(rec.path)
    try:
        checksum, _ = hash_file(rec.expected_at, bar.step, cancel)
    except OSError as exc:
        return _problem(rec, "unreadable", f"{rec.expected_at} cannot be read ({exc.strerror or exc})")
    if checksum != rec.checksum:
        return _problem(rec, "changed", f"{rec.expected_at} has different content (checksum) than when imported")
    return None


def _look_for_missing(missing: list[_Stored], root: Path | None, bar: _Bar,
                      cancel: Cancel | None) -> list[RecordingProblem]:
    if not missing:
        return []
    if root is None or not root.is_dir():
        why = "no media root is set" if root is None else f"the media root {root} does not exist (not mounted?)"
        return [_problem(r, "missing", f"not found at {r.expected_at}; {why}") for r in missing]
    wanted = {Path(r.path).name for r in missing}
    found: dict[str, list[Path]] = {}
    untext: dict[str, Path] = {}  # in a folder whose name is not text: cannot be stored as the new place
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not is_hidden(d)]
        for name in filenames:
            place = Path(dirpath) / name
            if name in wanted and name_is_text(place):
                found.setdefault(name, []).append(place)
            elif name in wanted:
                untext.setdefault(name, place)
    problems = []
    for rec in missing:
        name = Path(rec.path).name
        place = _find_same(rec, found.get(name, []), bar, cancel)
        if place is not None:
            problems.append(_problem(rec, "moved", f"not at {rec.expected_at} but found at {place}", place))
        elif name in untext:
            problems.append(_problem(rec, "missing", f"not found at {rec.expected_at}; a file of that name is at "
                                                     f"{printable(str(untext[name]))}, whose folder name is not "
                                                     "UTF-8 text: rename the folder"))
        else:
            problems.append(_problem(rec, "missing", f"not found at {rec.expected_at} nor elsewhere under {root}"))
    return problems


def _find_same(rec: _Stored, candidates: list[Path], bar: _Bar, cancel: Cancel | None) -> Path | None:
    """The first candidate with the recording's size and checksum (size alone when no checksum is stored)."""
    for path in sorted(candidates):
        try:
            size = path.stat().st_size
            if rec.size is not None and size != rec.size:
                continue
            if rec.checksum is None:
                return path
            bar.start(str(path), extra=size)
            if hash_file(path, bar.step, cancel)[0] == rec.checksum:
                return path
        except OSError as exc:
            log.info("cannot check %s as the new place of %s: %s", path, rec.path, exc)
    return None
