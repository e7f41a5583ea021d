"""Importing recordings into a study: checksums first, then one all-or-nothing transaction.

Files are never copied; a recording row keeps the path (relative to the media
root when the file is under it), size, SHA-256 and duration. Reading the files
(the slow part) happens before the database is touched, so cancelling, or a
file that turns out unreadable, leaves the study exactly as it was.

Rules, in the order they are applied to each file:

* same stored path and checksum as an existing recording → *skipped* (re-importing
  a folder is harmless); an old row without a checksum gets it filled in;
* same path, different checksum → *conflict* (the file changed since it was imported);
* among the remaining files, two with the same content or for the same session
  and kind → *duplicate*, neither imported (which one is right is the user's call);
* same content as an existing recording → *duplicate*;
* the session already has a recording of that kind → *conflict*;
* otherwise imported: video with priority 0, audio with priority 1 (the fallback)
  unless the entry says otherwise.

Before the rules, every file is probed by the ``prober`` the caller passes
(:func:`rater.study.recordings.media_prober` gives the media layer's): one
that does not decode is listed as *undecodable* and not imported, so raters
are never sent to a recording that cannot play. Only when nothing here can
probe (no libVLC, no ffprobe), or with no prober, are files imported with
their duration unknown.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.media.base import MediaError, MediaInfo
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import NotFound
from rater.study.recordings import media_paths
from rater.study.recordings.files import Cancel, Cancelled, FileIssue, Progress, RecordingEntry, hash_file, stored_path
from rater.study.recordings.write import Checked, ImportReport, StudyWriter

log = logging.getLogger(__name__)

Prober = Callable[[Path], MediaInfo]  # duration and tracks of a file; MediaError when it will not play


def import_recordings(
    db: Database,
    study_id: str,
    entries: Iterable[RecordingEntry],
    media_root: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    actor: str = "coordinator",
    *,
    create_missing: bool = True,
    prober: Prober | None = None,
) -> ImportReport:
    """Add ``entries`` to the study; see the module docstring for the rules.

    ``media_root`` None means the study's root on this desktop. With
    ``create_missing=False`` only sessions that already exist receive
    recordings. ``progress(done_bytes, total_bytes, current_file)`` follows
    the checksums; ``cancel()`` returning True stops before anything is written
    (the report then has ``cancelled=True``). Without a ``prober`` nothing is
    probed: durations are listed as unknown and undecodable files are not found.
    """
    report = ImportReport()
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise NotFound("The study was not found.")
        root = Path(media_root).expanduser() if media_root else media_paths.media_root(s, study)
        known = None if create_missing else _session_keys(s, study_id)
        probed = _probed_paths(s, study_id)
    todo = []
    for entry in entries:
        if known is not None and (entry.patient.upper(), entry.session) not in known:
            report.not_in_study.append(FileIssue(entry.path, f"{entry.patient} session {entry.session} "
                                                             "is not in the study"))
        else:
            todo.append(entry)
    checked = _read_files(todo, root, report, progress, cancel, prober, probed)
    if checked is None or (cancel is not None and cancel()):
        report.cancelled = True
        log.info("recording import cancelled; nothing written")
        return report
    with db.transaction() as s:
        StudyWriter(s, study_id, actor, create_missing, report).write(checked)
    log.info("imported %d recording(s) into study %s (%d skipped, %d duplicates, %d conflicts, %d unreadable, "
             "%d undecodable)", len(report.imported), study_id, len(report.skipped), len(report.duplicates),
             len(report.conflicts), len(report.unreadable), len(report.undecodable))
    return report


def _session_keys(s: DbSession, study_id: str) -> set[tuple[str, int]]:
    rows = s.execute(select(m.Patient.code, m.Session.number)
                     .join(m.Session, m.Session.patient_id == m.Patient.id)
                     .where(m.Patient.study_id == study_id))
    return {(code.upper(), number) for code, number in rows}


def _probed_paths(s: DbSession, study_id: str) -> set[str]:
    """Stored paths whose duration is known: re-importing them needs no second probe."""
    rows = s.scalars(select(m.Recording.path).join(m.Session, m.Recording.session_id == m.Session.id)
                     .join(m.Session.patient)
                     .where(m.Patient.study_id == study_id, m.Recording.duration_ms.is_not(None)))
    return set(rows)


def _read_files(entries: list[RecordingEntry], root: Path | None, report: ImportReport,
                progress: Progress | None, cancel: Cancel | None, probe: Prober | None,
                probed: set[str]) -> list[Checked] | None:
    """Checksum and probe every file; None if cancelled."""
    total = sum(e.size for e in entries)
    done = 0
    checked = []
    for entry in entries:
        name = entry.source or entry.path.name
        before = done

        def step(n: int, name: str = name) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total, name)

        if progress is not None:
            progress(done, total, name)
        try:
            checksum, size = hash_file(entry.path, step, cancel)
        except Cancelled:
            return None
        except OSError as exc:
            report.unreadable.append(FileIssue(entry.path, f"cannot be read ({exc.strerror or exc})"))
            continue
        finally:
            # Keep the bar honest when a file shrank, grew or failed half-way.
            done = before + entry.size
        stored = stored_path(entry.path, root)
        if stored in probed:
            checked.append(Checked(entry, stored, checksum, size, None))
            continue
        playable = _probe(entry, probe, report)
        if playable is not None:
            checked.append(Checked(playable[0], stored, checksum, size, playable[1]))
    if progress is not None:
        progress(total, total, "")
    return checked


def _probe(entry: RecordingEntry, probe: Prober | None,
           report: ImportReport) -> tuple[RecordingEntry, int | None] | None:
    """(entry with its kind corrected, duration in ms or None), or None if the file will not play."""
    if probe is None:
        report.duration_unknown.append(FileIssue(entry.path, "duration unknown (not probed)"))
        return entry, None
    try:
        info = probe(entry.path)
    except MediaError as exc:
        # Media errors end with the path, which the report shows anyway.
        why = str(exc).removesuffix(f": {entry.path}")
        if _unavailable(exc):
            report.duration_unknown.append(FileIssue(entry.path, f"duration unknown ({why})"))
            return entry, None
        log.info("not importing %s: %s", entry.path, exc)
        report.undecodable.append(FileIssue(entry.path, why))
        return None
    except Exception as exc:  # noqa: BLE001 - a prober crash must not stop the import of the other files
        log.warning("probe crashed on %s", entry.path, exc_info=True)
        report.undecodable.append(FileIssue(entry.path, f"could not be checked ({exc})"))
        return None
    if entry.kind == "video" and not info.has_video and info.has_audio:
        entry = replace(entry, kind="audio")
    return entry, info.duration_ms


def _unavailable(exc: MediaError) -> bool:
    """True when nothing could inspect the file (not the file's fault)."""
    # Imported here, not at the top: the exception lives beside the prober (rater.media.probe),
    # which this module otherwise only receives.
    from rater.media.probe import ProbeUnavailable

    return isinstance(exc, ProbeUnavailable)
