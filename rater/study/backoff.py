"""The slow-down after wrong coordinator passwords, kept across processes.

Each wrong password in a row doubles the wait before the next check (1 s,
2 s, 4 s … up to 30 s). The count lives in the database's ``setting`` table,
so starting a new process (or another desktop on a shared PostgreSQL store)
does not start the count again. Where the database cannot be written — read-only
media, or a database role without the right — it lives in a small file in the
user data folder instead, keyed by the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from rater.fileio import atomic_file
from rater.storage import models as m
from rater.storage.database import Database, DatabaseError

log = logging.getLogger(__name__)

BACKOFF_KEY = "coordinator_password_backoff"
MAX_WAIT_S = 30.0


@dataclass(frozen=True)
class Backoff:
    """``count`` wrong passwords in a row; the next check waits until ``until`` (Unix time)."""

    count: int = 0
    until: float = 0.0

    def after_failure(self, now: float) -> Backoff:
        count = self.count + 1
        return Backoff(count, now + min(MAX_WAIT_S, 2.0 ** (count - 1)))


def wait_seconds(db: Database) -> float:
    """How long the next password check must wait (0 when it may run now)."""
    state = _load(db)
    # Bounded: a clock set back must not lock the coordinator out for hours.
    return max(0.0, min(MAX_WAIT_S, state.until - time.time()))


def record_failure(db: Database) -> None:
    """Count one more wrong password."""
    _store(db, _load(db).after_failure(time.time()))


def reset(db: Database) -> None:
    """The right password was given: the next check runs at once."""
    if _load(db) != Backoff():
        _store(db, Backoff())


def _load(db: Database) -> Backoff:
    states = [_load_file(db)]
    try:
        with db.reading() as s:
            row = s.get(m.Setting, BACKOFF_KEY)
    except DatabaseError:
        row = None
    if row is not None:
        states.append(_parse(row.value))
    # The stricter of the two wins, so clearing one of them does not clear the wait.
    return max(states, key=lambda b: (b.until, b.count))


def _store(db: Database, state: Backoff) -> None:
    value = json.dumps({"count": state.count, "until": state.until})
    if not db.read_only:
        try:
            with db.transaction() as s:
                row = s.get(m.Setting, BACKOFF_KEY)
                if row is None:
                    s.add(m.Setting(key=BACKOFF_KEY, value=value))
                else:
                    row.value = value
            _store_file(db, Backoff())
            return
        except DatabaseError as exc:
            log.info("password slow-down kept in the data folder: %s", exc)
    _store_file(db, state)


def _parse(text: str) -> Backoff:
    try:
        data = json.loads(text)
        return Backoff(int(data["count"]), float(data["until"]))
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable password slow-down state %r; counting as one failure", text)
        return Backoff(1, time.time() + 1.0)


def _state_file(db: Database) -> Path:
    from rater.paths import data_dir

    name = hashlib.sha256(db.url.encode()).hexdigest()[:16]
    return data_dir() / "password-backoff" / f"{name}.json"


def _load_file(db: Database) -> Backoff:
    path = _state_file(db)
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Backoff()
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return Backoff()


def _store_file(db: Database, state: Backoff) -> None:
    path = _state_file(db)
    if state == Backoff():
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with atomic_file(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"count": state.count, "until": state.until}))
