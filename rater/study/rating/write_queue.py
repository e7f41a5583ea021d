"""One ordered queue for every rating write, so a database hiccup never loses a change.

A write is tried at once. If the database refuses it (server down, file
locked, disk full, read-only), the write stays queued in order; while anything
is pending, new writes queue behind it so changes land in the order they were
made, and a newer command with the same key (the same item, the same mark)
replaces the pending one in its place. While writes are pending they are
mirrored into a journal file in this desktop's data folder (written
atomically and fsynced), so even a crash while offline loses nothing: the next
start finds the journal and replays it. Refusals that retrying cannot fix (a
submitted rating, a value out of range) are dropped and reported.

No Qt here: the rating window wraps this queue with a retry timer and signals.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rater.fileio import atomic_file
from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.rating.write_commands import Command, from_json, to_json

if TYPE_CHECKING:
    from rater.study.rating.workstation import Workstation

log = logging.getLogger(__name__)


def journal_path(db_url: str) -> Path:
    """The journal for one database, in this desktop's data folder."""
    from rater.paths import data_dir

    digest = hashlib.sha256(db_url.encode()).hexdigest()[:12]
    return data_dir() / "outbox" / f"{digest}.jsonl"


@dataclass
class Flushed:
    """What one attempt to write the queue did."""

    saved: bool  # nothing is pending any more
    rejected: list[str] = field(default_factory=list)  # writes refused for good, with the reason
    error: str | None = None  # why the first pending write could not be saved


@dataclass
class _Pending:
    command: Command
    on_done: Callable[[Any], None] | None = None


class WriteQueue:
    """Runs rating commands now; keeps, journals and retries the ones the database refused."""

    def __init__(self, ws: Workstation, journal: Path | None):
        self.ws = ws
        self.journal = journal
        self._pending: OrderedDict[Hashable, _Pending] = OrderedDict()
        self.last_error: str | None = None
        self.unreadable: list[str] = []  # journal lines that could not be decoded (kept beside it)
        if journal is not None and journal.exists():
            self._load(journal)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def is_pending(self, key: Hashable) -> bool:
        return key in self._pending

    def put(self, command: Command, on_done: Callable[[Any], None] | None = None) -> Flushed:
        """Queue ``command`` (replacing a pending one with its key, in its place) and try to save."""
        self._pending[command.key] = _Pending(command, on_done)
        return self.flush()

    def drop(self, key: Hashable) -> bool:
        """Forget a pending write (e.g. a mark deleted before it was ever saved); True if one was pending."""
        removed = self._pending.pop(key, None) is not None
        if removed:
            self._mirror()
            if not self._pending:
                self.last_error = None
        return removed

    def flush(self) -> Flushed:
        """Write pending commands in order; stop at the first the database refuses."""
        rejected: list[str] = []
        journalled = self.last_error is not None
        while self._pending:
            key, entry = next(iter(self._pending.items()))
            try:
                result = entry.command.apply(self.ws)
            except StudyError as exc:
                log.warning("write %r refused: %s", key, exc)
                self._pending.pop(key, None)
                rejected.append(str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - keep the change whatever went wrong
                # Every database failure (DatabaseError) may be fixed while the rater keeps
                # working, and an unexpected one must not lose the change either: it waits.
                log.warning("write %r not saved, will retry: %s", key, exc,
                            exc_info=not isinstance(exc, DatabaseError))
                self.last_error = str(exc)
                self._mirror()
                return Flushed(False, rejected, self.last_error)
            if self._pending.get(key) is entry:  # a callback may already have queued a newer one
                del self._pending[key]
            if entry.on_done is not None:
                entry.on_done(result)
        if journalled:
            self._mirror()
        self.last_error = None
        return Flushed(True, rejected)

    # --- the journal -----------------------------------------------------------------
    def _load(self, path: Path) -> None:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                command = from_json(json.loads(line))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError too
                log.error("unreadable journal line in %s (%s): %s", path, exc, line)
                self.unreadable.append(line)
                continue
            self._pending[command.key] = _Pending(command)
        if self.unreadable:
            # Never silently drop what a rater did: keep the raw lines for a person to look at.
            with open(path.with_suffix(".unreadable.jsonl"), "a", encoding="utf-8") as fh:
                fh.writelines(line + "\n" for line in self.unreadable)
        if self._pending:
            self.last_error = "changes from an earlier run are waiting to be saved"
            log.warning("%d unsaved change(s) found in %s", len(self._pending), path)

    def _mirror(self) -> None:
        """Make the journal hold exactly the pending writes (atomically; removed when empty)."""
        if self.journal is None:
            return
        if not self._pending:
            self.journal.unlink(missing_ok=True)
            return
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(self.journal, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(to_json(p.command)) + "\n" for p in self._pending.values())
        except OSError as exc:
            # The same fault that stopped the database (a full disk) may stop the journal:
            # the writes stay queued in memory and are retried either way.
            log.error("journal %s not written: %s", self.journal, exc)
