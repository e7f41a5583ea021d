"""Facts about recording files shared by scanning, importing and verifying.

Kept apart from the database code so the scan works without a study and the
rules (which extensions are media, which files are hidden, how a path is
stored) are written down once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"})
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".aac", ".wma", ".ogg", ".flac"})
MEDIA_SUFFIXES = VIDEO_SUFFIXES | AUDIO_SUFFIXES
KINDS = ("video", "audio")
# A session's video is played first; its audio is the fallback.
DEFAULT_PRIORITY = {"video": 0, "audio": 1}

CHUNK = 1024 * 1024

# progress(done_bytes, total_bytes, current_file) and cancel() -> True to stop.
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


class Cancelled(Exception):
    """The user asked to stop; raised between chunks so nothing half-done is kept."""


@dataclass(frozen=True)
class RecordingEntry:
    """One file to import: where it is and which session it belongs to.

    ``kind`` comes from the extension (or the manifest) and may be corrected by
    probing; ``priority`` None means the default for the kind (video 0, audio 1).
    """

    path: Path  # absolute
    patient: str
    session: int
    kind: str
    size: int
    priority: int | None = None
    date: date | None = None
    source: str = ""  # where it was listed: a path inside the scanned folder, or "line N"

    @property
    def key(self) -> tuple[str, int, str]:
        """(patient, session, kind) with the patient code compared case-insensitively."""
        return (self.patient.upper(), self.session, self.kind)

    def label(self) -> str:
        return f"{self.patient} S{self.session} {self.kind}"


@dataclass(frozen=True)
class FileIssue:
    """A file that was not imported, and why (shown to the coordinator as it is)."""

    path: Path
    reason: str


def kind_for_suffix(suffix: str) -> str | None:
    """'video' or 'audio' for a media extension (any case), else None."""
    s = suffix.lower()
    if s in VIDEO_SUFFIXES:
        return "video"
    if s in AUDIO_SUFFIXES:
        return "audio"
    return None


def is_hidden(name: str) -> bool:
    """Dot files: ``.DS_Store``, macOS AppleDouble ``._P012_S03.mp4`` copies, ``.Trashes`` …"""
    return name.startswith(".")


def check_readable(path: Path) -> None:
    """Raise OSError (PermissionError …) if the first byte of ``path`` cannot be read.

    ``os.access`` is not enough: it says yes to root and ignores ACLs and
    network-share permissions, so the file is really opened.
    """
    with open(path, "rb") as fh:
        fh.read(1)


def hash_file(
    path: Path,
    on_chunk: Callable[[int], None] | None = None,
    cancel: Cancel | None = None,
) -> tuple[str, int]:
    """(sha256 hex, bytes read), streamed in 1 MiB chunks.

    Written here rather than using ``rater.media.probe.file_checksum`` because
    a progress bar needs to move inside multi-GB files and the user must be
    able to stop between chunks (:class:`Cancelled`).
    """
    digest = hashlib.sha256()
    total = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if cancel is not None and cancel():
                raise Cancelled
            digest.update(chunk)
            total += len(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
    return digest.hexdigest(), total


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def stored_path(path: Path, media_root: Path | None) -> str:
    """The text kept in ``Recording.path``: relative to the media root when under it, else absolute.

    Relative paths use ``/`` so a study made on Windows resolves on macOS and
    Linux desktops, which only differ in their media root.
    """
    absolute = Path(os.path.abspath(path))
    if media_root is not None:
        root = Path(os.path.abspath(media_root))
        # Compare without resolving first (a mounted share may be a symlink the
        # user thinks of as the root); fall back to resolved paths.
        for p, r in ((absolute, root), (absolute.resolve(), root.resolve())):
            if _is_under(p, r):
                return p.relative_to(r).as_posix()
    return str(absolute)


def name_is_text(path: Path) -> bool:
    """False for a path whose bytes are not UTF-8 (Python keeps them as lone surrogates).

    Such a path cannot be stored in the database or printed; it comes from a
    disk written under another encoding (Latin-1 names copied from an old share).
    """
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` with bytes that are not UTF-8 shown as ``\\xe9`` escapes, so any name can be shown."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def display_path(path: Path, base: Path | None) -> str:
    """``path`` relative to ``base`` when it lies under it (shorter in reports), else in full."""
    if base is not None:
        try:
            return printable(path.relative_to(base).as_posix())
        except ValueError:
            pass
    return printable(str(path))


def human_size(size: int) -> str:
    """1234567 → '1.2 MB' (decimal units, as file managers show them)."""
    value = float(size)
    if value < 1000:
        return f"{size} B"
    for unit in ("KB", "MB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} GB"
