"""The audit trail: every change to study data is written with who, when, what, old → new."""

from __future__ import annotations

import json
import socket
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from rater.storage.models import AuditEvent


@lru_cache(maxsize=1)
def desktop_name() -> str:
    return socket.gethostname()


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def record(
    session: Session,
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
) -> AuditEvent:
    """Add one audit event to the caller's transaction (committed with the change itself)."""
    event = AuditEvent(
        actor=actor,
        desktop=desktop_name(),
        study_id=study_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        field=field,
        old=_text(old),
        new=_text(new),
        reason=reason,
    )
    session.add(event)
    return event
