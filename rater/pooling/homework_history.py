"""A homework entry's history, and whether one version of an entry descends from another.

Every change to a homework entry writes an audit event (entity ``homework``,
entity_id = the entry's UUID), so, as for ratings (see :mod:`lineage`), the
set of those event ids is the entry's history on every desktop, and a
version whose history contains the stored one's has seen every stored change.

One case differs from ratings: entries the coordinator wrote reach the
desktops through the study package *without* their audit events, so a rater
editing such an entry on a desktop produces a history that cannot contain the
coordinator's events. Such a history starts with an update or delete (never a
create) whose ``old`` value is the state the desktop received. It descends
from the stored entry when the stored entry is still in the state the desktop
last knew: the received state if none of the desktop's events is stored yet,
otherwise the state after the desktop's last stored event. A change made here
since then (a coordinator's edit, another desktop's) makes it a conflict.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.pooling import lineage
from rater.pooling.records import event_record, history_key
from rater.storage import models as m

ENTITY = "homework"
BATCH = 500  # stays under every backend's limit on bound parameters

# A version's content; ``None`` stands for a deleted (or never seen) entry.
Content = dict[str, str] | None


def stored_events(s: Session, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The homework audit events of each entry in ``ids``, oldest first (entries without any are left out)."""
    wanted = sorted(set(ids))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(wanted), BATCH):
        rows = s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity == ENTITY,
                                                    m.AuditEvent.entity_id.in_(wanted[start:start + BATCH])))
        for event in rows:
            out[event.entity_id].append(event_record(event))
    return {key: sorted(events, key=history_key) for key, events in out.items()}


def row_content(row: m.HomeworkEntry | None) -> Content:
    """What a stored entry says (``None`` when there is no row)."""
    return None if row is None else {"kind": row.kind, "description": row.description}


def record_content(record: dict[str, Any]) -> Content:
    """What an entry of a package says (``None`` when it was deleted on the desktop)."""
    return None if record["deleted"] else {"kind": record["kind"], "description": record["description"]}


def _content(text: str | None) -> Content:
    """The ``{"kind", "description"}`` an event's old/new value holds, or ``None``."""
    try:
        value = json.loads(text) if text else None
    except (TypeError, ValueError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str) \
            or not isinstance(value.get("description"), str):
        return None
    return {"kind": value["kind"], "description": value["description"]}


def relation(stored: list[dict[str, Any]], stored_content: Content, incoming: list[dict[str, Any]]) -> str:
    """How the incoming history relates to the stored one: same, ahead, behind or diverged.

    ``stored_content`` is what the stored entry says now; it only matters for
    an incoming history that continues a copy received without its history
    (see the module's description).
    """
    found = lineage.relation((e["id"] for e in stored), (e["id"] for e in incoming))
    if found == lineage.DIVERGED and _continues_received_copy(stored, stored_content, incoming):
        return lineage.AHEAD
    return found


def _continues_received_copy(stored: list[dict[str, Any]], stored_content: Content,
                             incoming: list[dict[str, Any]]) -> bool:
    events = sorted(incoming, key=history_key)
    if not events or any(e["action"] == "create" for e in events):
        return False  # made on that desktop: every stored event it lacks is a change it never saw
    received = _content(events[0]["old"])
    if received is None:
        return False
    known = {e["id"] for e in stored}
    common = [e["id"] in known for e in events]
    seen = common.index(False)  # the desktop's events stored here already (one exists: not behind)
    if any(common[seen:]):
        return False  # stored events of that desktop with a gap: not one line of changes
    if seen == 0:
        return received == stored_content
    last = events[seen - 1]
    if last["action"] == "delete":
        return stored_content is None
    after = _content(last["new"])
    return after is not None and after == stored_content
