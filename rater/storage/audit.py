"""The audit trail: every change to study data is written with who, when, what, old → new.

Two ways in, one row shape: :func:`record` adds an event to an ORM session,
:func:`insert` writes it on a bare connection (the rating hot path). Either way
the event is part of the caller's transaction, committed with the change itself.
"""

from __future__ import annotations

import json
import socket
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from rater.storage.models import AuditEvent, new_id, utcnow
from rater.storage.prepared import Prepared

_TABLE = AuditEvent.__table__
_INSERT = Prepared(sql_insert(_TABLE).values({c.name: bindparam(c.name) for c in _TABLE.c}))


@lru_cache(maxsize=1)
def desktop_name() -> str:
    return socket.gethostname()


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _values(
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
    study_id: str | None = None,
) -> dict[str, Any]:
    """One event's columns: who (``actor``, this desktop), what (``action`` on ``entity`` ``entity_id``,
    its ``field``), ``old`` → ``new`` (non-text values as JSON), why, and in which study."""
    return {
        "actor": actor,
        "desktop": desktop_name(),
        "study_id": study_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "field": field,
        "old": _text(old),
        "new": _text(new),
        "reason": reason,
    }


def record(session: Session, **event: Any) -> AuditEvent:
    """Add one audit event (the keywords of :func:`_values`) to the caller's ORM transaction."""
    row = AuditEvent(**_values(**event))
    session.add(row)
    return row


def insert(conn: Connection, **event: Any) -> None:
    """Write one audit event (the keywords of :func:`_values`) in the caller's Core transaction."""
    _INSERT.execute(conn, {"id": new_id(), "at": utcnow(), **_values(**event)})
