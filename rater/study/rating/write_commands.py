"""Rating writes as small typed commands: what the write queue keeps, replays and journals.

Each command knows the one Workstation call that performs it (``apply``), the
key under which a newer command replaces a pending older one (``key``), and
its journal form (``to_json`` / :func:`from_json`). The tag written to the
journal is a stable name for the data, not a method looked up by string, so
renaming a Workstation method breaks loudly at import, not silently on replay.
Every command is safe to replay once: values overwrite, and a mark carries its
own id so a replayed add is a no-op.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from rater.study.rating.workstation import Workstation


class _ItemCommand:
    """A write to one item of one rating: a newer one for the same item replaces it."""

    tag: ClassVar[str]
    assignment_id: str
    item_id: str

    @property
    def key(self) -> Hashable:
        return (self.tag, self.assignment_id, self.item_id)


class _MarkCommand:
    """A write to one mark: keyed by the mark's id, which is unique across ratings."""

    tag: ClassVar[str]
    mark_id: str

    @classmethod
    def key_of(cls, mark_id: str) -> Hashable:
        return (cls.tag, mark_id)

    @property
    def key(self) -> Hashable:
        return self.key_of(self.mark_id)


@dataclass(frozen=True)
class SetResponse(_ItemCommand):
    """One item's value (``None`` clears it) or N/A."""

    tag: ClassVar[str] = "set_response"
    assignment_id: str
    rater_id: str
    item_id: str
    value: int | None
    is_na: bool = False

    def apply(self, ws: Workstation) -> Any:
        return ws.set_response(self.assignment_id, self.rater_id, self.item_id, self.value, self.is_na)


@dataclass(frozen=True)
class SetNote(_ItemCommand):
    """The rater's note on one item."""

    tag: ClassVar[str] = "set_note"
    assignment_id: str
    rater_id: str
    item_id: str
    text: str

    def apply(self, ws: Workstation) -> Any:
        return ws.set_note(self.assignment_id, self.rater_id, self.item_id, self.text)


@dataclass(frozen=True)
class AddMark(_MarkCommand):
    """A new mark; its id is chosen here so a replay adds it only once."""

    tag: ClassVar[str] = "add_mark"
    assignment_id: str
    rater_id: str
    mark_id: str
    position_ms: int
    text: str

    def apply(self, ws: Workstation) -> Any:
        return ws.add_mark(self.assignment_id, self.rater_id, self.position_ms, self.text, self.mark_id)


@dataclass(frozen=True)
class UpdateMark(_MarkCommand):
    """New text for a saved mark."""

    tag: ClassVar[str] = "update_mark"
    assignment_id: str
    rater_id: str
    mark_id: str
    text: str

    def apply(self, ws: Workstation) -> Any:
        return ws.update_mark(self.assignment_id, self.rater_id, self.mark_id, self.text)


@dataclass(frozen=True)
class DeleteMark(_MarkCommand):
    """Remove a saved mark."""

    tag: ClassVar[str] = "delete_mark"
    assignment_id: str
    rater_id: str
    mark_id: str

    def apply(self, ws: Workstation) -> Any:
        return ws.delete_mark(self.assignment_id, self.rater_id, self.mark_id)


@dataclass(frozen=True)
class SetMarkEvidence(_MarkCommand):
    """Tie a mark to an item as evidence for (+) or against (−); ``item_id`` None unties it.

    Keyed apart from the mark's add, and queued after it, so it never reaches the database first.
    """

    tag: ClassVar[str] = "set_mark_evidence"
    assignment_id: str
    rater_id: str
    mark_id: str
    item_id: str | None
    polarity: str = ""

    def apply(self, ws: Workstation) -> Any:
        return ws.set_mark_evidence(self.assignment_id, self.rater_id, self.mark_id, self.item_id, self.polarity)


@dataclass(frozen=True)
class SetNoAnchor(_ItemCommand):
    """"No anchor fits" ticked (or not) for one item, with the rater's note."""

    tag: ClassVar[str] = "set_no_anchor"
    assignment_id: str
    rater_id: str
    item_id: str
    ticked: bool
    note: str = ""

    def apply(self, ws: Workstation) -> Any:
        return ws.set_no_anchor(self.assignment_id, self.rater_id, self.item_id, self.ticked, self.note)


Command = SetResponse | SetNote | AddMark | UpdateMark | DeleteMark | SetMarkEvidence | SetNoAnchor
COMMANDS: dict[str, type[Command]] = {
    c.tag: c for c in (SetResponse, SetNote, AddMark, UpdateMark, DeleteMark, SetMarkEvidence, SetNoAnchor)}


def to_json(command: Command) -> dict[str, Any]:
    """The journal form: the command's tag and its fields."""
    return {"command": command.tag, **asdict(command)}


def from_json(data: dict[str, Any]) -> Command:
    """A command from its journal form; raises ValueError for anything else.

    Journals written before commands existed name the Workstation method and its
    keyword arguments (``{"method": ..., "kwargs": ...}``); those still replay, so an
    upgrade never strands a change made offline.
    """
    if "command" in data:
        tag, args = data["command"], {k: v for k, v in data.items() if k != "command"}
    else:
        tag, args = data.get("method"), dict(data.get("kwargs") or {})
    kind = COMMANDS.get(tag)
    if kind is None:
        raise ValueError(f"unknown write {tag!r}")
    names = {f.name for f in fields(kind)}
    if kind is AddMark and args.get("mark_id") is None:
        raise ValueError("a queued mark without its id cannot be replayed safely")
    unknown = set(args) - names
    if unknown:
        raise ValueError(f"{tag}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return kind(**args)
    except TypeError as exc:
        raise ValueError(f"{tag}: {exc}") from None
