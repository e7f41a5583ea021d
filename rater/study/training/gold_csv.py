"""Gold ratings from a CSV file: ``recording, item, gold_score[, rationale][, instrument]``.

``recording`` names a training session by its recording's file name (or path),
or as ``PATIENT:NUMBER``. ``gold_score`` is an integer or ``NA``. The
instrument is found from the item id; an ``instrument`` column settles item ids
that several instruments share. Every bad row is reported and nothing is stored
unless the whole file is good.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy import select

from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue
from rater.study.instruments import instrument_of
from rater.study.training.agreement import GoldItem
from rater.study.training.gold import problems_of, store_gold

log = logging.getLogger(__name__)
REQUIRED = ("recording", "item", "gold_score")


@dataclass(frozen=True)
class GoldImport:
    recordings: int
    items: int


class GoldFileRejected(InvalidValue):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"Nothing imported: {len(problems)} problem(s).\n" + "\n".join(problems))


def _sessions(s, study_id: str) -> dict[str, tuple[str, int]]:
    """Every name a training session answers to → (session id, session number)."""
    names: dict[str, tuple[str, int]] = {}
    rows = s.execute(select(m.Session, m.Patient.code)
                     .join(m.Patient, m.Patient.id == m.Session.patient_id)
                     .join(t.TrainingMaterial, t.TrainingMaterial.session_id == m.Session.id)
                     .where(t.TrainingMaterial.study_id == study_id)).all()
    for sess, code in rows:
        names[f"{code}:{sess.number}"] = (sess.id, sess.number)
        for rec in sess.recordings:
            names[rec.path] = (sess.id, sess.number)
            names.setdefault(PurePath(rec.path).name, (sess.id, sess.number))
    return names


def _study_instruments(s, study_id: str) -> list[m.InstrumentRecord]:
    used = (select(m.TeamInstrument.instrument_id).join(m.Team, m.Team.id == m.TeamInstrument.team_id)
            .where(m.Team.study_id == study_id))
    return list(s.scalars(select(m.InstrumentRecord).where(m.InstrumentRecord.id.in_(used))))


def import_gold_csv(db: Database, study_id: str, path: str | Path, actor: str = "coordinator") -> GoldImport:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
            header = [h.strip() for h in (rows[0].keys() if rows else [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidValue(f"Cannot read {path}: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if not rows:
        raise GoldFileRejected(["The file has no rows."])
    if missing:
        raise GoldFileRejected([f"Missing column(s): {', '.join(missing)} (need recording, item, gold_score)."])
    with db.transaction() as s:
        sessions = _sessions(s, study_id)
        instruments = _study_instruments(s, study_id)
        by_item: dict[str, list[m.InstrumentRecord]] = {}
        for inst in instruments:
            for item in instrument_of(inst).items:
                by_item.setdefault(item.id, []).append(inst)
        problems: list[str] = []
        groups: dict[tuple[str, str], dict[str, GoldItem]] = {}
        seen: set[tuple[str, str, str]] = set()
        bad: set[tuple[str, str, str]] = set()  # items whose row was reported already
        for line, raw in enumerate(rows, start=2):
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            rec, item_id, score = row.get("recording", ""), row.get("item", ""), row.get("gold_score", "")
            where = sessions.get(rec)
            if where is None:
                problems.append(f"line {line}: no training recording {rec!r} in this study.")
                continue
            candidates = by_item.get(item_id, [])
            if row.get("instrument"):
                candidates = [i for i in candidates if i.key == row["instrument"]]
            if not candidates:
                problems.append(f"line {line}: unknown item {item_id!r}.")
                continue
            if len(candidates) > 1:
                problems.append(f"line {line}: item {item_id!r} is in several instruments; add an instrument column.")
                continue
            inst = candidates[0]
            group = groups.setdefault((where[0], inst.id), {})
            if score.upper() in ("NA", "N/A"):
                gold = GoldItem(None, True, row.get("rationale", ""))
            else:
                try:
                    gold = GoldItem(int(score), False, row.get("rationale", ""))
                except ValueError:
                    problems.append(f"line {line}: gold_score {score!r} is not a whole number or NA.")
                    continue
            item = instrument_of(inst).item(item_id)
            if gold.is_na and not item.na_allowed:
                problems.append(f"line {line}: item {item_id} cannot be NA.")
                bad.add((where[0], inst.id, item_id))
                continue
            if gold.value is not None and not item.min <= gold.value <= item.max:
                problems.append(f"line {line}: gold_score {gold.value} for item {item_id} is outside "
                                f"{item.min}–{item.max}.")
                bad.add((where[0], inst.id, item_id))
                continue
            key = (where[0], inst.id, item_id)
            if key in seen:
                problems.append(f"line {line}: item {item_id} of {rec} is given twice.")
                continue
            seen.add(key)
            group[item_id] = gold
        inst_by_id = {i.id: i for i in instruments}
        number_of = {sid: n for sid, n in sessions.values()}
        labels = {sid: name for name, (sid, _n) in sessions.items() if ":" in name}
        for (session_id, instrument_id), items in groups.items():
            reported = {f"Item {i} has no gold score." for sid, iid, i in bad
                        if (sid, iid) == (session_id, instrument_id)}
            for p in problems_of(instrument_of(inst_by_id[instrument_id]), number_of[session_id], items):
                if p not in reported:
                    problems.append(f"{labels[session_id]} ({inst_by_id[instrument_id].key}): {p}")
        if problems:
            # Raising rolls the transaction back: nothing of the file is stored.
            raise GoldFileRejected(problems)
        for (session_id, instrument_id), items in groups.items():
            store_gold(s, session_id, inst_by_id[instrument_id], items, [], "csv", actor)
    log.info("gold imported from %s: %d recording(s)", path, len(groups))
    return GoldImport(len(groups), len(seen))
