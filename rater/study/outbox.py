"""Rating writes that could not reach the database, kept on this desktop until they can.

When the database cannot take a write (a PostgreSQL server that is down, a
locked or full disk), the write is appended to a journal file in the local
data folder and fsynced, so even a crash while offline loses nothing. The
journal is replayed in order as soon as the database answers again; while
anything is pending, new writes queue behind it so the order of changes is
kept.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from rater.fileio import atomic_file
from rater.storage.database import DatabaseError
from rater.study.errors import StudyError

log = logging.getLogger(__name__)

# Workstation methods that may be queued (each is safe to replay once).
QUEUEABLE = {"set_response", "set_note", "add_mark", "update_mark", "delete_mark", "save_playback"}


class Outbox:
    """An ordered, durable queue of pending Workstation calls."""

    def __init__(self, path: Path):
        self.path = path
        self.pending: list[dict[str, Any]] = []
        self.refused: list[str] = []  # queued writes the study later refused (e.g. rating reopened elsewhere)
        self.last_error = ""
        if path.exists():
            self.pending = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
            if self.pending:
                log.warning("%d unsaved change(s) found in %s", len(self.pending), path)

    def call(self, ws, method: str, **kwargs: Any) -> tuple[bool, Any]:
        """Run ``ws.method(**kwargs)``; returns (saved, result). Unsaved writes are queued."""
        if method not in QUEUEABLE:
            raise ValueError(f"{method} cannot be queued")
        if self.pending and not self.flush(ws):
            self._append({"method": method, "kwargs": kwargs})
            return False, None
        try:
            return True, getattr(ws, method)(**kwargs)
        except DatabaseError as err:
            # Every database failure (server down, locked, disk full, read-only) may be
            # fixed while the rater keeps working, so the write waits rather than vanishing.
            self.last_error = str(err)
            self._append({"method": method, "kwargs": kwargs})
            return False, None

    def flush(self, ws) -> bool:
        """Replay pending writes in order; True when nothing is left."""
        while self.pending:
            entry = self.pending[0]
            try:
                getattr(ws, entry["method"])(**entry["kwargs"])
            except DatabaseError as err:
                self.last_error = str(err)
                return False
            except StudyError as err:
                log.error("a queued %s was refused: %s", entry["method"], err)
                self.refused.append(f"{entry['method']}: {err}")
            self.pending.pop(0)
            self.save(self.pending)
        self.last_error = ""
        return True

    def _append(self, entry: dict[str, Any]) -> None:
        self.pending.append(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def save(self, entries: list[dict[str, Any]]) -> None:
        """Make the journal hold exactly ``entries`` (atomically; removed when empty)."""
        self.pending = list(entries)
        if not self.pending:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(self.path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e) + "\n" for e in self.pending)


def outbox_for(db_url: str) -> Outbox:
    """The journal for one database, in this desktop's data folder."""
    import hashlib

    from rater.paths import data_dir

    digest = hashlib.sha256(db_url.encode()).hexdigest()[:12]
    return Outbox(data_dir() / "outbox" / f"{digest}.jsonl")
