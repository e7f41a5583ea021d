"""Recordings of a study: finding them, importing them, keeping track of where they are.

The public entry points, all Qt-free:

* :func:`scan_folder` — sort a folder's files by the file-name pattern
  (see :mod:`rater.study.recordings.scan` for templates and regular expressions);
* :func:`read_manifest` — a CSV saying which file is which session
  (:mod:`rater.study.recordings.manifest`);
* :func:`import_recordings` — add the entries to a study in one transaction
  (:mod:`rater.study.recordings.importing` states the skip/duplicate rules);
* :func:`set_media_root` / :func:`set_desktop_media_root` — where the files
  live, for the study and for this desktop;
* :func:`verify_recordings` — what went missing, moved or changed since import.

Recording files are never copied or modified.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.recordings import media_paths
from rater.study.recordings.files import (
    AUDIO_SUFFIXES,
    MEDIA_SUFFIXES,
    VIDEO_SUFFIXES,
    Cancelled,
    FileIssue,
    RecordingEntry,
    display_path,
    human_size,
    stored_path,
)
from rater.study.recordings.importing import Prober, import_recordings
from rater.study.recordings.manifest import ManifestError, ManifestProblem, read_manifest
from rater.study.recordings.scan import (
    DEFAULT_PATTERN,
    DuplicateGroup,
    PatternError,
    ScanReport,
    compile_pattern,
    scan_folder,
)
from rater.study.recordings.verify import RecordingProblem, verify_recordings
from rater.study.recordings.write import ImportedRecording, ImportReport
from rater.study.setup.settings import MEDIA_ROOT, StudySettings

log = logging.getLogger(__name__)

__all__ = [
    "AUDIO_SUFFIXES",
    "DEFAULT_PATTERN",
    "MEDIA_SUFFIXES",
    "VIDEO_SUFFIXES",
    "Cancelled",
    "DuplicateGroup",
    "FileIssue",
    "ImportReport",
    "ImportedRecording",
    "ManifestError",
    "ManifestProblem",
    "PatternError",
    "RecordingEntry",
    "RecordingProblem",
    "ScanReport",
    "compile_pattern",
    "display_path",
    "human_size",
    "import_recordings",
    "media_prober",
    "read_manifest",
    "scan_folder",
    "set_desktop_media_root",
    "set_media_root",
    "stored_path",
    "verify_recordings",
]


def media_prober() -> Prober | None:
    """The media layer's prober for :func:`import_recordings`, or None (with a warning) when it cannot load."""
    try:
        # Imported on demand: probing may load libVLC, which scanning and checking files do not need.
        from rater.media.probe import probe
    except ImportError as exc:
        log.warning("recordings will not be probed: %s", exc)
        return None
    return probe


def _folder(root: str | os.PathLike[str]) -> Path:
    path = Path(os.path.abspath(Path(root).expanduser()))
    if not path.is_dir():
        raise InvalidValue(f"The media root {root} does not exist or is not a folder.")
    return path


def set_media_root(db: Database, study_id: str, root: str | os.PathLike[str], actor: str = "coordinator") -> Path:
    """Set the study's media root (an existing folder, stored absolute); returns it.

    Stored relative paths are not rewritten: they now resolve under the new
    root, which is what moving the whole recordings folder needs.
    """
    path = _folder(root)
    with db.transaction() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise NotFound("The study was not found.")
        old = StudySettings.read(study.settings).media_root
        # A new dict, because SQLAlchemy does not notice changes inside a JSON value.
        study.settings = {**study.settings, MEDIA_ROOT: str(path)}
        audit.record(s, actor=actor, action="update", entity="study", entity_id=study_id,
                     field="settings.media_root", old=old, new=str(path), study_id=study_id)
    log.info("media root of study %s set to %s", study_id, path)
    return path


def set_desktop_media_root(db: Database, study_id: str, root: str | os.PathLike[str] | None,
                           actor: str = "coordinator") -> Path | None:
    """Set (or with None, clear) where this desktop finds the study's recordings."""
    path = _folder(root) if root is not None else None
    with db.transaction() as s:
        if s.get(m.Study, study_id) is None:
            raise NotFound("The study was not found.")
        row = s.get(m.Setting, media_paths.setting_key(study_id))
        old = row.value if row is not None and row.value else None
        # An empty value means "no override": media_paths then uses the study's root.
        media_paths.set_desktop_root(s, study_id, str(path) if path else "")
        audit.record(s, actor=actor, action="update", entity="study", entity_id=study_id,
                     field="desktop_media_root", old=old, new=str(path) if path else None, study_id=study_id)
    log.info("media root of study %s on this desktop set to %s", study_id, path)
    return path
