"""One running copy of the app per database file.

The lock is an OS file lock on ``<db>.lock`` (fcntl on POSIX, msvcrt on
Windows), so it disappears with the process even after ``kill -9`` — no stale
lock files to clean up by hand.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rater.storage.database import FOLDER_MODE, DatabaseError, sqlite_path, to_url

log = logging.getLogger(__name__)


def lock_database(target: str | os.PathLike[str]) -> AppLock | None:
    """Take the lock of the SQLite database at ``target`` (None for a server database, which needs none).

    Raises :class:`DatabaseError` (kind ``locked``) naming the process that has it open.
    """
    path = sqlite_path(to_url(target))
    if path is None or path.is_dir():
        return None  # a folder is refused by open_database, with its own message
    lock = AppLock(path)
    lock.acquire()
    return lock


class AppLock:
    """An exclusive lock on ``<db>.lock``; whoever holds this object holds the lock."""

    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fh = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`DatabaseError` naming the other process."""
        try:
            # A new database's folder is owner-only, as open_database would make it.
            self.path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            fh = open(self.path, "a+")  # noqa: SIM115 - held for the life of the app
        except OSError as exc:
            raise DatabaseError(f"Cannot use the database folder {self.path.parent}: {exc.strerror}. Ratings "
                                "could not be saved there; choose another location.", "read_only") from None
        try:
            _lock(fh)
        except OSError:
            fh.seek(0)
            other = fh.read().strip() or "unknown"
            fh.close()
            raise DatabaseError(
                f"{self.path.with_suffix('').name} is already open in another copy of Session Rater "
                f"(process {other}).",
                "locked",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        log.info("holding %s (process %s)", self.path, os.getpid())

    def release(self) -> None:
        """Let the lock go (also happens when the process ends, however it ends)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _lock(fh) -> None:
    if os.name == "nt":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
