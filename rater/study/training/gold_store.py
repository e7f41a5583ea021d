"""Reading gold ratings inside a caller's transaction (no access checks here: callers do them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.storage import models_training as t
from rater.study.training.agreement import GoldItem
from rater.study.training.views import GoldMarkView


def gold_row(s: Session, session_id: str, instrument_id: str) -> t.GoldRating | None:
    return s.scalar(select(t.GoldRating).where(t.GoldRating.session_id == session_id,
                                                t.GoldRating.instrument_id == instrument_id))


def gold_items(row: t.GoldRating) -> dict[str, GoldItem]:
    return {g.item_id: GoldItem(g.value, g.is_na, g.rationale) for g in row.scores}


def gold_marks(row: t.GoldRating) -> list[GoldMarkView]:
    return [GoldMarkView(mk.position_ms, mk.text, mk.item_id) for mk in row.marks]


def all_gold(s: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, GoldItem]]:
    """Gold items for many (session id, instrument id) pairs in one query."""
    if not pairs:
        return {}
    sessions = {p[0] for p in pairs}
    out: dict[tuple[str, str], dict[str, GoldItem]] = {}
    rows = s.execute(select(t.GoldRating.session_id, t.GoldRating.instrument_id, t.GoldScore)
                     .join(t.GoldScore, t.GoldScore.gold_rating_id == t.GoldRating.id)
                     .where(t.GoldRating.session_id.in_(sessions)))
    for session_id, instrument_id, g in rows:
        if (session_id, instrument_id) in pairs:
            out.setdefault((session_id, instrument_id), {})[g.item_id] = GoldItem(g.value, g.is_na, g.rationale)
    return out
