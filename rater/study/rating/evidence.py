"""Evidence while listening: marks tied to an item and tagged + or −, and "no anchor fits".

Rater manuals (CTRS, MITI) ask raters to note evidence for and against while
they listen, against halo, and to say when no anchor text fits a session.
These writes are part of the rating: each is one transaction with its audit
event, like every other rating change.  :class:`EvidenceWrites` is mixed
into :class:`rater.study.rating.workstation.Workstation`, whose ``_writable`` and
``_bump`` helpers it uses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.instruments.model import Instrument
from rater.storage import audit
from rater.storage import models as m
from rater.study.errors import InvalidValue, NotFound
from rater.study.rating.views import SaveResult

log = logging.getLogger(__name__)

POLARITIES = ("", "+", "-")
MAX_NOTE = 2000


_TRAILING_TAG = re.compile(r"(?:^|[\s,;])([+\-\u2212])\s?([A-Za-z][\w.]*)\s*$")


def parse_evidence(text: str, item_ids: Iterable[str]) -> tuple[str, str | None, str]:
    """Split a typed tag off a mark's text: ``"assigns thought record, + asg5"`` → text, "asg5", "+".

    Only a trailing ``+item`` or ``-item`` naming a real item counts (the
    case of the id does not matter); anything else stays part of the text.
    """
    match = _TRAILING_TAG.search(text)
    if match is None:
        return text.strip(), None, ""
    by_lower = {i.lower(): i for i in item_ids}
    item = by_lower.get(match.group(2).lower())
    if item is None:
        return text.strip(), None, ""
    rest = text[: match.start()].rstrip(" ,;")
    return rest.strip(), item, check_polarity(match.group(1))


def check_polarity(polarity: str) -> str:
    """``"+"``, ``"-"`` or ``""``; the typographic minus is accepted for ``"-"``."""
    polarity = (polarity or "").strip().replace("\u2212", "-")
    if polarity not in POLARITIES:
        raise InvalidValue(f"Evidence is tagged + or − (or not at all), not {polarity!r}.")
    return polarity


class EvidenceWrites:
    """Workstation methods for evidence marks and no-anchor ticks."""

    def set_mark_evidence(self, assignment_id: str, rater_id: str, mark_id: str,
                          item_id: str | None, polarity: str = "") -> SaveResult:
        """Tie a mark to ``item_id`` (None unties it) as evidence for (+) or against (−)."""
        polarity = check_polarity(polarity)
        with self.db.transaction() as s:
            a, rating, instrument, actor = self._writable(s, assignment_id, rater_id)
            if item_id is not None:
                self._item(instrument, item_id)
            mark = self._mark(s, rating, mark_id)
            old = {"item_id": mark.item_id, "polarity": mark.polarity or ""}
            new = {"item_id": item_id, "polarity": polarity}
            if old == new:
                return SaveResult(rating.revision, rating.updated_at)
            audit.record(s, actor=actor, action="update", entity="mark", entity_id=mark.id,
                         field="evidence", old=old, new=new, study_id=a.study_id)
            mark.item_id, mark.polarity = item_id, polarity
            return self._bump(rating)

    def set_no_anchor(self, assignment_id: str, rater_id: str, item_id: str, ticked: bool,
                      note: str = "") -> SaveResult:
        """Tick (or untick) "no anchor fits" for an item, with the rater's note on why."""
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise InvalidValue(f"The note is {len(note)} characters long; at most {MAX_NOTE} are kept.")
        if not ticked:
            note = ""
        with self.db.transaction() as s:
            a, rating, instrument, actor = self._writable(s, assignment_id, rater_id)
            self._item(instrument, item_id)
            score = self._score_row(s, rating, item_id)
            old = {"ticked": bool(score.no_anchor), "note": score.no_anchor_note or ""}
            new = {"ticked": bool(ticked), "note": note}
            if old == new:
                return SaveResult(rating.revision, rating.updated_at)
            audit.record(s, actor=actor, action="update", entity="rating", entity_id=rating.id,
                         field=f"no_anchor:{item_id}", old=old, new=new, study_id=a.study_id)
            score.no_anchor, score.no_anchor_note = bool(ticked), note
            return self._bump(rating)

    # Rarer writes than scores, so they use the ORM rows the submit path also uses.
    @staticmethod
    def _item(instrument: Instrument, item_id: str):
        try:
            return instrument.item(item_id)
        except KeyError:
            raise InvalidValue(f"{instrument.name} has no item {item_id!r}.") from None

    @staticmethod
    def _score_row(s: Session, rating: m.Rating, item_id: str) -> m.ItemScore:
        row = s.scalar(select(m.ItemScore).where(m.ItemScore.rating_id == rating.id, m.ItemScore.item_id == item_id))
        if row is None:
            row = m.ItemScore(rating_id=rating.id, item_id=item_id, value=None, is_na=False, note="")
            s.add(row)
        return row

    @staticmethod
    def _mark(s: Session, rating: m.Rating, mark_id: str) -> m.Mark:
        mark = s.get(m.Mark, mark_id)
        if mark is None or mark.rating_id != rating.id:
            raise NotFound("This mark no longer exists.")
        return mark
