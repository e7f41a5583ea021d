"""Coordinator services for gold ratings: validate, store, promote a submitted rating, read back.

Gold is written whole: a gold rating with a missing or out-of-range item is
refused with every problem listed, and nothing is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.instruments.model import Instrument
from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.instruments import instrument_of
from rater.study.training import gold_store
from rater.study.training.agreement import GoldItem
from rater.study.training.views import GoldMarkView, GoldView

log = logging.getLogger(__name__)


class GoldRejected(InvalidValue):
    """Gold that cannot be stored; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Gold not stored:\n" + "\n".join(f"- {p}" for p in problems))


def problems_of(instrument: Instrument, session_number: int, items: Mapping[str, GoldItem]) -> list[str]:
    """Every reason the gold cannot be stored (empty when it can)."""
    out = []
    known = {i.id for i in instrument.items}
    for item_id in sorted(set(items) - known):
        out.append(f"{instrument.name} has no item {item_id!r}.")
    for item in instrument.items:
        g = items.get(item.id)
        applies = instrument.item_applies(item.id, session_number)
        if g is None or (g.value is None and not g.is_na):
            if item.required and applies:
                out.append(f"Item {item.id} has no gold score.")
            continue
        if g.is_na and not item.na_allowed:
            out.append(f"Item {item.id} cannot be N/A.")
        if g.value is not None and not item.min <= g.value <= item.max:
            out.append(f"Gold score {g.value} for item {item.id} is outside {item.min}–{item.max}.")
        if g.value is not None and not applies:
            out.append(f"Item {item.id} does not apply to session {session_number}.")
    return out


def store_gold(s: DbSession, session_id: str, instrument_row: m.InstrumentRecord, items: Mapping[str, GoldItem],
               marks: Sequence[GoldMarkView], source: str, actor: str,
               source_rating_id: str | None = None) -> t.GoldRating:
    """Validate and (re)place the gold of one session and instrument inside the caller's transaction."""
    sess = s.get(m.Session, session_id)
    mat = s.get(t.TrainingMaterial, session_id)
    if sess is None or mat is None:
        raise InvalidValue("Gold can only be stored for training material.")
    instrument = instrument_of(instrument_row)
    problems = problems_of(instrument, sess.number, items)
    if problems:
        raise GoldRejected(problems)
    old = gold_store.gold_row(s, session_id, instrument_row.id)
    previous = None
    if old is not None:
        previous = {g.item_id: g.value for g in old.scores}
        s.delete(old)
        s.flush()
    row = t.GoldRating(session_id=session_id, instrument_id=instrument_row.id, source=source,
                       source_rating_id=source_rating_id, created_by=actor)
    row.scores = [t.GoldScore(item_id=k, value=None if g.is_na else g.value, is_na=g.is_na, rationale=g.rationale)
                  for k, g in items.items() if g.value is not None or g.is_na]
    row.marks = [t.GoldMark(position_ms=max(0, mk.position_ms), text=mk.text, item_id=mk.item_id) for mk in marks]
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="update" if old else "create", entity="gold_rating", entity_id=row.id,
                 field=f"gold:{instrument_row.key}", old=previous,
                 new={g.item_id: g.value for g in row.scores}, reason=source, study_id=mat.study_id)
    return row


def set_gold(db: Database, session_id: str, instrument_id: str, items: Mapping[str, GoldItem],
             marks: Sequence[GoldMarkView] = (), actor: str = "coordinator") -> None:
    with db.transaction() as s:
        inst = s.get(m.InstrumentRecord, instrument_id)
        if inst is None:
            raise NotFound("This instrument no longer exists.")
        store_gold(s, session_id, inst, items, marks, "manual", actor)


def promote_rating(db: Database, rating_id: str, actor: str = "coordinator") -> None:
    """Make a submitted rating of a training recording (e.g. the PI's) its gold.

    Item notes become the rationale and the rating's marks the evidence marks.
    """
    with db.transaction() as s:
        rating = s.get(m.Rating, rating_id)
        if rating is None:
            raise NotFound("This rating no longer exists.")
        a = s.get(m.Assignment, rating.assignment_id)
        if a.status != "submitted":
            raise InvalidValue("Only a submitted rating can become gold.")
        items = {sc.item_id: GoldItem(sc.value, sc.is_na, sc.note) for sc in rating.scores}
        marks = [GoldMarkView(mk.position_ms, mk.text) for mk in rating.marks]
        store_gold(s, a.session_id, a.instrument, items, marks, "rating", actor, source_rating_id=rating.id)


def read_gold(db: Database, session_id: str, instrument_id: str) -> GoldView:
    """Coordinator read of a gold rating (raters read gold only through the training desk)."""
    with db.reading() as s:
        row = gold_store.gold_row(s, session_id, instrument_id)
        if row is None:
            raise NotFound("No gold rating for this session and instrument.")
        inst = s.get(m.InstrumentRecord, instrument_id)
        return GoldView(session_id, instrument_id, instrument_of(inst), gold_store.gold_items(row),
                        gold_store.gold_marks(row), row.source)


def training_ratings(db: Database, study_id: str) -> list[tuple[str, str, str, str, str]]:
    """(rating id, rater code, session label, instrument key, status) of ratings on training material."""
    with db.reading() as s:
        rows = s.execute(select(m.Rating.id, m.Rater.code, m.Patient.code, m.Session.number, m.InstrumentRecord.key,
                                m.Assignment.status)
                         .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
                         .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
                         .join(m.Session, m.Session.id == m.Assignment.session_id)
                         .join(m.Patient, m.Patient.id == m.Session.patient_id)
                         .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
                         .join(t.TrainingMaterial, t.TrainingMaterial.session_id == m.Session.id)
                         .where(t.TrainingMaterial.study_id == study_id)
                         .order_by(m.Patient.code, m.Session.number, m.Rater.code)).all()
        return [(rid, rater, f"{p}:{n}", key, status) for rid, rater, p, n, key, status in rows]
