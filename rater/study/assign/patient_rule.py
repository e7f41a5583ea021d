"""The patient rule: within a team, a rater rates at most one session per patient.

Pure bookkeeping of who already rates which patient's sessions, so the
planner, the plan check and the manual edits apply the same rule; the
callers only fetch the facts (the assignments that already exist).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

RULE = "each rater may rate only one session per patient"


class PatientRule:
    """Sessions each rater already rates, per patient (one team's study assignments)."""

    def __init__(self, taken: Iterable[tuple[str, str, str]] = ()):
        """``taken``: (patient, rater, session id) of assignments that already exist."""
        self._sessions: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for patient, rater, session_id in taken:
            self.take(patient, rater, session_id)

    def take(self, patient: str, rater: str, session_id: str) -> None:
        """Record that ``rater`` rates ``session_id`` of ``patient``."""
        self._sessions[patient][rater].add(session_id)

    def clash(self, patient: str, rater: str, session_id: str) -> str | None:
        """Another session of ``patient`` that ``rater`` already rates (so ``session_id`` would break the rule)."""
        others = sorted(self._sessions.get(patient, {}).get(rater, set()) - {session_id})
        return others[0] if others else None

    def free(self, patient: str, raters: Iterable[str]) -> list[str]:
        """Those of ``raters`` (in order) who rate no session of ``patient`` yet."""
        taken = self._sessions.get(patient, {})
        return [r for r in raters if not taken.get(r)]

    def untouched(self, patient: str) -> bool:
        """True when nobody rates any session of ``patient`` yet."""
        return not any(self._sessions.get(patient, {}).values())
