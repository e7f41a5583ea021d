"""Exporting ratings from a desktop: one rater's, or every rater's on this desktop, to one package.

The package also carries the homework log entries these raters wrote here
(key ``homework``, see :mod:`homework_export`), inside the same checksummed
member. Readers from before that key ignore it, and packages without it still
import, so the format version is unchanged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.pooling import container, lineage
from rater.pooling.errors import PackageError
from rater.pooling.homework_export import KEY as HOMEWORK_KEY
from rater.pooling.homework_export import homework_records
from rater.pooling.records import event_record, history_key
from rater.pooling.snapshot import instrument_record, snapshot
from rater.storage import models as m
from rater.storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RatingsExport:
    """What :func:`export_ratings` wrote."""

    path: Path
    package_id: str
    study_code: str
    rater_codes: tuple[str, ...]
    ratings: int
    homework: int = 0  # homework log entries (deleted ones included)


def export_ratings(db: Database, out: str | os.PathLike[str], study_id: str,
                   rater_code: str | None = None) -> RatingsExport:
    """Write the ratings of ``rater_code`` (default: every rater) in the study to the package ``out``."""
    # A write transaction, not a read: marks seen now are remembered (mark_link) so
    # that deleting one later still shows in the rating's history.
    with db.transaction() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise PackageError("The study was not found in this database.")
        raters = _raters(s, study, rater_code)
        rows = list(s.scalars(
            select(m.Rating).join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
            .where(m.Assignment.study_id == study_id, m.Assignment.rater_id.in_([r.id for r in raters]))
            .order_by(m.Rating.id)
        ))
        for rating in rows:
            lineage.remember_marks(s, rating.id, [mk.id for mk in rating.marks])
        s.flush()
        ratings = [snapshot(s, rating) for rating in rows]
        payload = {
            "study": {"id": study.id, "code": study.code, "name": study.name},
            "raters": [{"id": r.id, "code": r.code} for r in raters],
            "instruments": _instruments(s, rows),
            "ratings": ratings,
            "loose_events": _loose_events(s, study_id, [r.code for r in raters]),
            HOMEWORK_KEY: homework_records(s, study_id, [r.code for r in raters]),
        }
        study_info = {"id": study.id, "code": study.code}
    codes = tuple(r.code for r in raters if any(x["rater_id"] == r.id for x in ratings))
    homework = len(payload[HOMEWORK_KEY])
    manifest = container.write_package(out, "ratings", study_info, payload,
                                       extra={"summary": {"ratings": len(ratings), "raters": list(codes),
                                                          "homework": homework}})
    log.info("exported %d rating(s) of %s and %d homework entr%s to %s", len(ratings), ", ".join(codes) or "nobody",
             homework, "y" if homework == 1 else "ies", out)
    return RatingsExport(Path(out), manifest["package_id"], study_info["code"], codes, len(ratings), homework)


def _raters(s: Session, study: m.Study, code: str | None) -> list[m.Rater]:
    query = select(m.Rater).where(m.Rater.study_id == study.id).order_by(m.Rater.code)
    if code is None:
        return list(s.scalars(query))
    rater = s.scalar(query.where(m.Rater.code == code))
    if rater is None:
        known = ", ".join(s.scalars(select(m.Rater.code).where(m.Rater.study_id == study.id)))
        raise PackageError(f"No rater with code {code!r} in study {study.code} (raters: {known or 'none'}).")
    return [rater]


def _instruments(s: Session, ratings: list[m.Rating]) -> list[dict[str, str]]:
    ids = {s.get(m.Assignment, r.assignment_id).instrument_id for r in ratings}
    rows = s.scalars(select(m.InstrumentRecord).where(m.InstrumentRecord.id.in_(ids))) if ids else []
    return sorted((instrument_record(row) for row in rows), key=lambda r: (r["key"], r["version"]))


def _loose_events(s: Session, study_id: str, codes: list[str]) -> list[dict[str, Any]]:
    """Mark events of these raters that no rating can claim any more.

    A mark added and deleted between two exports never appears in a rating,
    so its events are carried separately: the coordinator's audit trail stays
    complete although they say nothing about any rating's history.
    """
    if not codes:
        return []
    rows = s.scalars(
        select(m.AuditEvent).where(
            m.AuditEvent.entity == "mark",
            m.AuditEvent.study_id == study_id,
            m.AuditEvent.actor.in_([f"rater:{c}" for c in codes]),
            m.AuditEvent.entity_id.not_in(select(m.MarkLink.mark_id)),
            m.AuditEvent.entity_id.not_in(select(m.Mark.id)),
        )
    )
    return sorted((event_record(e) for e in rows), key=history_key)
