"""What a rater must be told before submitting, and what they must confirm.

Two cases, both checked again inside the submit transaction:

* **short play** — the rater played less than the study's share of the
  recording (``min_played_fraction``, default 80%). They are told the figures
  and confirm; that they were told is stored with the rating and audited.
* **nothing played** — none of the recording was played (it could not be
  opened, or the rater never started it). The rater must say in words why the
  rating can stand (at least :data:`MIN_REASON_WORDS` words); the words are
  stored and audited, and progress flags the rating.

The recording's length comes from the import when it was read then, else from
the player while rating (``Rating.duration_ms``), so the share is known even
for files imported without probing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session as DbSession

from rater.storage import models as m
from rater.study.errors import StudyError
from rater.study.rating.playback import segment_share
from rater.study.rating.segments import segment_of
from rater.study.setup.settings import StudySettings

log = logging.getLogger(__name__)

MIN_REASON_WORDS = 3


@dataclass(frozen=True)
class SubmitCheck:
    """The played share of one rating against the study's minimum."""

    played_ms: int
    duration_ms: int | None
    min_played: float

    @property
    def played_fraction(self) -> float | None:
        if not self.duration_ms:
            return None
        return min(1.0, self.played_ms / self.duration_ms)

    @property
    def unplayed(self) -> bool:
        """Nothing of the recording was played."""
        return self.played_ms <= 0

    @property
    def short(self) -> bool:
        """Some, but less than the study's share, was played (known only with a length)."""
        fraction = self.played_fraction
        return not self.unplayed and fraction is not None and fraction < self.min_played

    def message(self) -> str:
        """What the rater is told; empty when nothing needs saying."""
        if self.unplayed:
            return "None of this session's recording has been played."
        if self.short:
            return (f"You have played {self.played_fraction:.0%} of the recording; this study asks raters "
                    f"to play at least {self.min_played:.0%} before submitting.")
        return ""


@dataclass(frozen=True)
class SubmitAnswer:
    """The rater's answer to a :class:`SubmitCheck`: they were told, and (if needed) why."""

    told_short: bool = False
    reason: str = ""


class NeedsConfirmation(StudyError):
    """Submit refused until the rater confirms what :attr:`check` says."""

    def __init__(self, check: SubmitCheck, message: str):
        self.check = check
        super().__init__(message)


def recording_duration(s: DbSession, rating: m.Rating, session: m.Session) -> int | None:
    """Length of the recording rated: the imported length, else the one the player reported."""
    rec = s.get(m.Recording, rating.recording_id) if rating.recording_id else None
    if rec is None and session.recordings:
        rec = min(session.recordings, key=lambda r: r.priority)
    return known_duration(rating, rec.duration_ms if rec is not None else None)


def known_duration(rating: m.Rating, imported_ms: int | None) -> int | None:
    """The imported length when there is one, else the player's (None when neither is known)."""
    return imported_ms or rating.duration_ms or None


def min_played_of(study: m.Study) -> float:
    """The study's minimum played share (``min_played_fraction``)."""
    return StudySettings.read(study.settings).min_played_fraction


def check_rating(s: DbSession, assignment: m.Assignment, rating: m.Rating) -> SubmitCheck:
    """The :class:`SubmitCheck` of ``rating`` as stored now."""
    study = s.get(m.Study, assignment.study_id)
    played, span = segment_share([list(x) for x in rating.played_intervals],
                                 recording_duration(s, rating, assignment.session), segment_of(s, assignment))
    return SubmitCheck(played, span, min_played_of(study))


def words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]{2,}", text))


def confirmed_notice(check: SubmitCheck, answer: SubmitAnswer) -> dict[str, Any] | None:
    """The record of what the rater was told and answered; NeedsConfirmation if the answer falls short."""
    if check.unplayed:
        reason = answer.reason.strip()
        if words(reason) < MIN_REASON_WORDS:
            raise NeedsConfirmation(check, "Nothing of the recording was played: say in a sentence why this rating "
                                           f"can be submitted (at least {MIN_REASON_WORDS} words).")
        return {"unplayed": True, "reason": reason, "duration_ms": check.duration_ms}
    if check.short:
        if not answer.told_short:
            raise NeedsConfirmation(check, check.message())
        return {"unplayed": False, "told_short": True, "played_fraction": round(check.played_fraction, 4),
                "min_played": check.min_played, "duration_ms": check.duration_ms}
    return None
