"""Does a rating in a package agree with its own audit history?

Checksums in a package prove only that its files were not damaged: anyone who
edits a score can compute new checksums too. Every change a rater makes also
writes an audit event (item, old → new), and a package carries those events,
so the history can be replayed: the last value it records for each item,
note, mark and the status must be the value the package stores. A package
whose stored values disagree with its history was edited outside Session
Rater and is refused.

This detects edits made without rewriting the history to match; someone who
forges a consistent history is not detected (no checksum or history can
prove who wrote a file; see the README's Data safety section).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rater.pooling.records import history_key

NA = "N/A"
NO_TICK = {"ticked": False, "note": ""}


@dataclass
class _Replay:
    """The state of one rating that its history describes; ``None`` where the history does not say."""

    values: dict[str, Any] = field(default_factory=dict)  # item → int | None | "N/A"
    notes: dict[str, str] = field(default_factory=dict)
    marks: dict[str, dict[str, Any]] = field(default_factory=dict)  # mark id → {position_ms, text, item_id, polarity}
    no_anchor: dict[str, dict[str, Any]] = field(default_factory=dict)  # item → {ticked, note}
    status: str | None = None
    # Ratings imported from paper forms record their scores in one event and their notes in none.
    notes_unrecorded: bool = False


def disagreements(snap: dict[str, Any]) -> list[str]:
    """What the package's rating stores that its own history does not (empty: they agree)."""
    replay = _replay(snap["events"])
    problems: list[str] = []
    scores = {sc["item_id"]: sc for sc in snap["scores"]}
    for item in sorted(set(scores) | set(replay.values)):
        stored = _stored_value(scores.get(item))
        recorded = replay.values.get(item)
        if stored != recorded:
            problems.append(f"item {item} is {_show(stored)}, its history says {_show(recorded)}")
    if not replay.notes_unrecorded:
        for item in sorted(set(scores) | set(replay.notes)):
            stored_note = (scores.get(item) or {}).get("note", "")
            if stored_note != replay.notes.get(item, ""):
                problems.append(f"the note on item {item} differs from its history")
    for item in sorted(set(scores) | set(replay.no_anchor)):
        score = scores.get(item) or {}
        stored_tick = {"ticked": bool(score.get("no_anchor", False)), "note": score.get("no_anchor_note", "")}
        if stored_tick != replay.no_anchor.get(item, NO_TICK):
            problems.append(f"'no anchor fits' on item {item} differs from its history")
    marks = {mk["id"]: {"position_ms": mk["position_ms"], "text": mk["text"], **_evidence(mk)} for mk in snap["marks"]}
    if marks != replay.marks:
        problems.append(f"the marks ({len(marks)}) differ from their history ({len(replay.marks)})")
    if replay.status is not None and snap["status"] != replay.status:
        problems.append(f"the status is {snap['status']}, its history says {replay.status}")
    return problems


def _replay(events: list[dict[str, Any]]) -> _Replay:
    out = _Replay()
    for event in sorted(events, key=history_key):
        entity, action, name = event["entity"], event["action"], event["field"] or ""
        if entity == "mark":
            _replay_mark(out, event)
        elif name.startswith("item:"):
            out.values[name[5:]] = _parse_value(event["new"])
        elif name.startswith("no_anchor:"):
            new = _json(event["new"])
            out.no_anchor[name[10:]] = {"ticked": bool(new.get("ticked")), "note": new.get("note") or ""}
        elif name.startswith("note:"):
            out.notes[name[5:]] = event["new"] or ""
        elif name == "scores" and action == "create":
            out.values.update({k: v for k, v in _json(event["new"]).items() if v is not None})
            out.notes_unrecorded = True
        elif name == "status":
            out.status = event["new"]
    return out


def _replay_mark(out: _Replay, event: dict[str, Any]) -> None:
    mark_id = event["entity_id"]
    if event["action"] == "create":
        created = _json(event["new"])
        out.marks[mark_id] = {"position_ms": created.get("position_ms"), "text": created.get("text"),
                              **_evidence(created)}
    elif event["action"] == "delete":
        out.marks.pop(mark_id, None)
    elif event["action"] == "update" and mark_id in out.marks:
        if event["field"] == "evidence":  # tied to an item, for (+) or against (−)
            out.marks[mark_id].update(_evidence(_json(event["new"])))
        else:
            out.marks[mark_id]["text"] = event["new"]


def _evidence(record: dict[str, Any]) -> dict[str, Any]:
    """A mark's evidence fields; marks made before evidence existed are evidence for nothing."""
    return {"item_id": record.get("item_id"), "polarity": record.get("polarity") or ""}


def _stored_value(score: dict[str, Any] | None) -> Any:
    if score is None:
        return None
    return NA if score["is_na"] else score["value"]


def _parse_value(text: str | None) -> Any:
    # Audit values are stored as text: numbers as JSON, N/A as itself, a cleared item as None.
    if text is None or text == NA:
        return text
    return json.loads(text)


def _json(text: str | None) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    if not isinstance(value, dict):
        raise ValueError(f"an audit event holds {text!r} where a record belongs")
    return value


def _show(value: Any) -> str:
    return "empty" if value is None else str(value)
