"""A team's session range: which session numbers a team rates an instrument on.

The one place that decides whether a session number is in a team's range and
how a range is written for people; the planner, the set-up checks, the
legacy import and the screens all ask it. ``None`` leaves a side open.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class SessionRange(NamedTuple):
    """Session numbers ``first``–``last``; either side ``None`` is open.

    A tuple, so ``(1, 4)`` written by hand (tests, the planner's callers)
    is a range too.
    """

    first: int | None = None
    last: int | None = None

    def covers(self, number: int) -> bool:
        """True when session ``number`` lies in the range."""
        return (self.first is None or number >= self.first) and (self.last is None or number <= self.last)

    @property
    def label(self) -> str:
        """"all sessions", "session 3" or "sessions 2–5" ("…" for an open end)."""
        first, last = self.first, self.last
        if first is None and last is None:
            return "all sessions"
        if first == last:
            return f"session {first}"
        return f"sessions {first if first is not None else 1}–{last if last is not None else '…'}"

    @property
    def cell(self) -> str:
        """The range in an exported cell: "2-5", "any-4", "any-any"."""
        return f"{self.first if self.first is not None else 'any'}-{self.last if self.last is not None else 'any'}"

    @property
    def problem(self) -> str | None:
        """Why the range cannot be stored (first below 1 or after last), or None."""
        first, last = self.first, self.last
        if (first is not None and first < 1) or (first is not None and last is not None and first > last):
            return f"the session range {first}–{last} is not valid"
        return None

    def closed(self, open_last: int) -> tuple[int, int]:
        """The range with open sides filled in (first 1, last ``open_last``), for fields that need both."""
        return (self.first or 1, self.last or open_last)


def any_covers(ranges: Iterable[tuple[int | None, int | None]], number: int) -> bool:
    """True when any of ``ranges`` covers session ``number``."""
    return any(SessionRange(*r).covers(number) for r in ranges)
