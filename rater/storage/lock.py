"""One running copy of the app per database file.

The lock is an OS file lock on ``<db>.lock`` (fcntl on POSIX, msvcrt on
Windows), so it disappears with the process even after ``kill -9`` — no stale
lock files to clean up by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

from rater.storage.database import DatabaseError


class AppLock:
    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fh = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`DatabaseError` naming the other process."""
        fh = open(self.path, "a+")  # noqa: SIM115 - held for the life of the app
        try:
            _lock(fh)
        except OSError:
            fh.seek(0)
            other = fh.read().strip() or "unknown"
            fh.close()
            raise DatabaseError(
                f"{self.path.with_suffix('').name} is already open in another copy of Session Rater "
                f"(process {other}). Close that window first, or open another database.",
                "locked",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
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
