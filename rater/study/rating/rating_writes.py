"""Every rating change as a handful of SQL statements: one transaction, audit row inside it.

This is the autosave hot path. A change runs: one SELECT that fetches every
fact the checks need (owner, status, session number, rating, the stored
score), the write itself, its audit event and the rating's revision bump,
then COMMIT. The statements are written in Core and run as
:class:`~rater.storage.prepared.Prepared` statements (compiled once per
dialect, executed on the driver's cursor): the ORM's identity map, flush and
row objects, and even Core's per-call work, cost several times the commit
itself. The only facts
cached across transactions are instrument definitions, whose stored content
never changes (a changed instrument is a new row). The same statements run
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from rater.instruments.model import Instrument, Item
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.storage.prepared import Prepared
from rater.study.errors import AccessDenied, InvalidValue, NotFound, RatingLocked
from rater.study.instruments import built_instrument
from rater.study.rating.views import MarkView, SaveResult

log = logging.getLogger(__name__)

_A = m.Assignment.__table__
_S = m.Session.__table__
_R = m.Rater.__table__
_RT = m.Rating.__table__
_SC = m.ItemScore.__table__
_MK = m.Mark.__table__
_IN = m.InstrumentRecord.__table__

_FACT_COLUMNS = (_A.c.rater_id, _A.c.status, _A.c.study_id, _A.c.instrument_id, _S.c.number, _R.c.code,
                 _RT.c.id.label("rating_id"), _RT.c.revision, _RT.c.updated_at)
_FACT_JOIN = (_A.join(_S, _S.c.id == _A.c.session_id).join(_R, _R.c.id == _A.c.rater_id)
              .outerjoin(_RT, _RT.c.assignment_id == _A.c.id))
_FACTS = Prepared(select(*_FACT_COLUMNS).select_from(_FACT_JOIN).where(_A.c.id == bindparam("assignment_id")))
# The same facts plus the item's stored score (if any), still one round trip.
_FACTS_AND_SCORE = Prepared(
    select(*_FACT_COLUMNS, _SC.c.id.label("score_id"), _SC.c.value, _SC.c.is_na, _SC.c.note)
    .select_from(_FACT_JOIN.outerjoin(_SC, and_(_SC.c.rating_id == _RT.c.id,
                                               _SC.c.item_id == bindparam("item_id"))))
    .where(_A.c.id == bindparam("assignment_id"))
)
_INSTRUMENT = select(_IN.c.content_hash, _IN.c.content).where(_IN.c.id == bindparam("instrument_id"))


def _insert_row(table) -> Prepared:
    """An INSERT of every column; a column with a plain default, or nullable without one, may be left out."""
    binds = {}
    for c in table.c:
        if c.default is not None and c.default.is_scalar:
            binds[c.name] = bindparam(c.name, value=c.default.arg, type_=c.type)
        elif c.default is None and c.nullable and not c.primary_key:
            binds[c.name] = bindparam(c.name, value=None, type_=c.type)
        else:
            binds[c.name] = bindparam(c.name, type_=c.type)
    return Prepared(insert(table).values(binds))


_INSERT_SCORE = _insert_row(_SC)
_UPDATE_VALUE = Prepared(update(_SC).where(_SC.c.id == bindparam("b_id"))
                 .values(value=bindparam("b_value"), is_na=bindparam("b_is_na"), updated_at=bindparam("b_at")))
_UPDATE_NOTE = Prepared(update(_SC).where(_SC.c.id == bindparam("b_id"))
                .values(note=bindparam("b_note"), updated_at=bindparam("b_at")))
# RETURNING reads the new revision under the row lock, so two desktops on one
# PostgreSQL server never hand out the same revision.
_BUMP = Prepared(update(_RT).where(_RT.c.id == bindparam("b_id"))
         .values(revision=_RT.c.revision + 1, updated_at=bindparam("b_at")).returning(_RT.c.revision))
_MARK = Prepared(select(_MK.c.rating_id, _MK.c.position_ms, _MK.c.text).where(_MK.c.id == bindparam("mark_id")))
_INSERT_MARK = _insert_row(_MK)
_UPDATE_MARK = Prepared(update(_MK).where(_MK.c.id == bindparam("b_id")).values(text=bindparam("b_text")))
_DELETE_MARK = Prepared(delete(_MK).where(_MK.c.id == bindparam("b_id")))


class RatingWriter:
    """The write half of :class:`~rater.study.rating.workstation.Workstation`; one transaction per call."""

    def __init__(self, db: Database):
        self.db = db
        self._instruments: dict[str, Instrument] = {}  # by instrument row id

    # --- responses and notes -----------------------------------------------------
    def set_response(self, assignment_id: str, rater_id: str, item_id: str, value: int | None,
                     is_na: bool = False) -> SaveResult:
        """Store one item's value (``None`` clears it) or N/A."""
        with self.db.writing() as conn:
            facts = self._writable(conn, _FACTS_AND_SCORE, assignment_id, rater_id, item_id=item_id)
            instrument = self._instrument(conn, facts.instrument_id)
            item = _item(instrument, item_id)
            if is_na and not item.na_allowed:
                raise InvalidValue(f"Item {item_id} cannot be marked N/A.")
            if value is not None and not item.min <= value <= item.max:
                raise InvalidValue(f"{value} is outside {item.min}–{item.max} for item {item_id}.")
            if value is not None and not instrument.item_applies(item_id, facts.number):
                raise InvalidValue(instrument.not_applicable_reason(item_id, facts.number))
            old = None if facts.score_id is None else ("N/A" if facts.is_na else facts.value)
            new = "N/A" if is_na else value
            if old == new:
                return SaveResult(facts.revision, facts.updated_at)
            now = m.utcnow()
            stored = None if is_na else value
            if facts.score_id is None:
                _INSERT_SCORE.execute(conn, {"id": m.new_id(), "rating_id": facts.rating_id, "item_id": item_id,
                                             "value": stored, "is_na": is_na, "note": "", "updated_at": now})
            else:
                _UPDATE_VALUE.execute(conn, {"b_id": facts.score_id, "b_value": stored, "b_is_na": is_na,
                                             "b_at": now})
            audit.insert(conn, actor=f"rater:{facts.code}", action="update", entity="rating",
                         entity_id=facts.rating_id, field=f"item:{item_id}", old=old, new=new,
                         study_id=facts.study_id)
            return _bump(conn, facts.rating_id, now)

    def set_note(self, assignment_id: str, rater_id: str, item_id: str, text: str) -> SaveResult:
        """Store the rater's note on one item."""
        with self.db.writing() as conn:
            facts = self._writable(conn, _FACTS_AND_SCORE, assignment_id, rater_id, item_id=item_id)
            _item(self._instrument(conn, facts.instrument_id), item_id)
            old = "" if facts.score_id is None else facts.note
            if old == text:
                return SaveResult(facts.revision, facts.updated_at)
            now = m.utcnow()
            if facts.score_id is None:
                _INSERT_SCORE.execute(conn, {"id": m.new_id(), "rating_id": facts.rating_id, "item_id": item_id,
                                             "value": None, "is_na": False, "note": text, "updated_at": now})
            else:
                _UPDATE_NOTE.execute(conn, {"b_id": facts.score_id, "b_note": text, "b_at": now})
            audit.insert(conn, actor=f"rater:{facts.code}", action="update", entity="rating",
                         entity_id=facts.rating_id, field=f"note:{item_id}", old=old, new=text,
                         study_id=facts.study_id)
            return _bump(conn, facts.rating_id, now)

    # --- marks ---------------------------------------------------------------------
    def add_mark(self, assignment_id: str, rater_id: str, position_ms: int, text: str,
                 mark_id: str | None = None) -> MarkView:
        """Add a mark; a caller-chosen ``mark_id`` makes a replayed call add it only once."""
        with self.db.writing() as conn:
            facts = self._writable(conn, _FACTS, assignment_id, rater_id)
            if mark_id is not None and (existing := _MARK.first(conn, {"mark_id": mark_id})):
                return MarkView(mark_id, existing.position_ms, existing.text)
            mark = MarkView(mark_id or m.new_id(), max(0, int(position_ms)), text)
            now = m.utcnow()
            _INSERT_MARK.execute(conn, {"id": mark.id, "rating_id": facts.rating_id,
                                        "position_ms": mark.position_ms, "text": text, "created_at": now})
            audit.insert(conn, actor=f"rater:{facts.code}", action="create", entity="mark", entity_id=mark.id,
                         field="mark", new={"position_ms": mark.position_ms, "text": text},
                         study_id=facts.study_id)
            _bump(conn, facts.rating_id, now)
            return mark

    def update_mark(self, assignment_id: str, rater_id: str, mark_id: str, text: str) -> SaveResult:
        with self.db.writing() as conn:
            facts = self._writable(conn, _FACTS, assignment_id, rater_id)
            mark = _own_mark(conn, facts, mark_id)
            audit.insert(conn, actor=f"rater:{facts.code}", action="update", entity="mark", entity_id=mark_id,
                         field="text", old=mark.text, new=text, study_id=facts.study_id)
            _UPDATE_MARK.execute(conn, {"b_id": mark_id, "b_text": text})
            return _bump(conn, facts.rating_id, m.utcnow())

    def delete_mark(self, assignment_id: str, rater_id: str, mark_id: str) -> SaveResult:
        with self.db.writing() as conn:
            facts = self._writable(conn, _FACTS, assignment_id, rater_id)
            mark = _own_mark(conn, facts, mark_id)
            audit.insert(conn, actor=f"rater:{facts.code}", action="delete", entity="mark", entity_id=mark_id,
                         field="mark", old={"position_ms": mark.position_ms, "text": mark.text},
                         study_id=facts.study_id)
            _DELETE_MARK.execute(conn, {"b_id": mark_id})
            return _bump(conn, facts.rating_id, m.utcnow())

    # --- helpers -------------------------------------------------------------------
    @staticmethod
    def _writable(conn: Connection, query: Prepared, assignment_id: str, rater_id: str, **params: Any) -> Any:
        """The facts of a rating its own rater may change now, or the reason it may not."""
        facts = query.first(conn, {"assignment_id": assignment_id, **params})
        if facts is None:
            raise NotFound("This assignment no longer exists.")
        if facts.rater_id != rater_id:
            raise AccessDenied("This assignment belongs to another rater.")
        if facts.rating_id is None:
            raise NotFound("Open the assignment before rating it.")
        if facts.status == "submitted":
            raise RatingLocked("This rating has been submitted and is read-only. A coordinator can reopen it.")
        return facts

    def _instrument(self, conn: Connection, instrument_id: str) -> Instrument:
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            row = conn.execute(_INSTRUMENT, {"instrument_id": instrument_id}).one()
            instrument = self._instruments[instrument_id] = built_instrument(row.content_hash, row.content)
        return instrument


def _item(instrument: Instrument, item_id: str) -> Item:
    try:
        return instrument.item(item_id)
    except KeyError:
        raise InvalidValue(f"{instrument.name} has no item {item_id!r}.") from None


def _own_mark(conn: Connection, facts: Any, mark_id: str) -> Any:
    mark = _MARK.first(conn, {"mark_id": mark_id})
    if mark is None or mark.rating_id != facts.rating_id:
        raise NotFound("This mark no longer exists.")
    return mark


def _bump(conn: Connection, rating_id: str, now: Any) -> SaveResult:
    revision = _BUMP.first(conn, {"b_id": rating_id, "b_at": now}).revision
    return SaveResult(revision, now)
