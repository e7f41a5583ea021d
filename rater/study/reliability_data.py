"""A study's ratings in the form the statistics need: :func:`reliability_rows`.

One rating in :mod:`rater.stats` is one rater's rating of one session; the
item scores of every instrument that rater gave that session belong to it.
Item labels are the instruments' item ids, prefixed with the instrument key
(``hstbs.rev1``) only when two instruments of the study share an id, so the
labels are unique. Scale specs come from the instrument files (items, mean or
sum, recodes); N/A and unanswered items are both missing for the statistics.
Only assignments for the study itself count (``purpose = "study"``), never
practice ratings.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.instruments.model import Instrument, Scale
from rater.stats import Coded, RatingTable, ScaleSpec, StatsInputError
from rater.storage import models as m
from rater.storage.database import Database, open_database, sqlite_path, to_url
from rater.study.instruments import instrument_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyInstrument:
    """One stored instrument version used by a study."""

    row_id: str
    key: str
    version: str
    name: str
    model: Instrument


@dataclass(frozen=True)
class InstrumentCatalog:
    """The instruments of a study in study order, with unique item and scale labels."""

    versions: tuple[StudyInstrument, ...]
    item_labels: dict[tuple[str, str], str]  # (key, item id) -> label
    scale_labels: dict[tuple[str, str], str]  # (key, scale id) -> label (the scale's name)

    @property
    def keys(self) -> list[str]:
        return list(dict.fromkeys(v.key for v in self.versions))

    def latest(self, key: str) -> StudyInstrument:
        """The newest stored version of ``key`` (the last one registered)."""
        return [v for v in self.versions if v.key == key][-1]

    def by_row_id(self) -> dict[str, StudyInstrument]:
        return {v.row_id: v for v in self.versions}


@dataclass(frozen=True)
class ReliabilityData:
    """What :func:`rater.stats.analyse` needs for one study.

    Unpacks as ``rows, scales = reliability_rows(db)``. ``scale_sources`` and
    ``item_sources`` map the labels back to (instrument key, scale or item id).
    """

    rows: RatingTable
    scales: list[ScaleSpec]
    study_id: str
    study_code: str
    scale_sources: dict[str, tuple[str, str]]
    item_sources: dict[str, tuple[str, str]]

    def __iter__(self):
        return iter((self.rows, self.scales))


def study_catalog(s: Session, study_id: str) -> InstrumentCatalog:
    """Instruments the study's teams rate (team name order), then any other used by its assignments."""
    team_rows = s.execute(
        select(m.Instrument)
        .join(m.TeamInstrument, m.TeamInstrument.instrument_id == m.Instrument.id)
        .join(m.Team, m.Team.id == m.TeamInstrument.team_id)
        .where(m.Team.study_id == study_id)
        .order_by(m.Team.name, m.Instrument.created_at, m.Instrument.key)
    ).scalars().all()
    used = s.execute(
        select(m.Instrument)
        .where(m.Instrument.id.in_(select(m.Assignment.instrument_id).where(
            m.Assignment.study_id == study_id, m.Assignment.purpose == "study")))
        .order_by(m.Instrument.key, m.Instrument.created_at)
    ).scalars().all()
    rows = list({row.id: row for row in [*team_rows, *used]}.values())
    # Versions of one key are kept together, oldest first, at the key's first position.
    order = {key: i for i, key in enumerate(dict.fromkeys(r.key for r in rows))}
    rows.sort(key=lambda r: (order[r.key], r.created_at))
    versions = tuple(StudyInstrument(r.id, r.key, r.version, r.name, instrument_of(r)) for r in rows)
    return InstrumentCatalog(versions, _item_labels(versions), _scale_labels(versions))


def _item_labels(versions: tuple[StudyInstrument, ...]) -> dict[tuple[str, str], str]:
    pairs = list(dict.fromkeys((v.key, item.id) for v in versions for item in v.model.items))
    owners = Counter(item for _key, item in pairs)
    return {(key, item): item if owners[item] == 1 else f"{key}.{item}" for key, item in pairs}


def _scale_labels(versions: tuple[StudyInstrument, ...]) -> dict[tuple[str, str], str]:
    names = {(v.key, sc.id): sc.name for v in versions for sc in v.model.scales}
    owners = Counter(names.values())
    return {pair: name if owners[name] == 1 else f"{pair[0]}: {name}" for pair, name in names.items()}


def scale_specs(catalog: InstrumentCatalog) -> tuple[list[ScaleSpec], dict[str, tuple[str, str]]]:
    """A spec per scale of each instrument's newest version, and label -> (key, scale id)."""
    specs, sources = [], {}
    for key in catalog.keys:
        model = catalog.latest(key).model
        for scale in model.scales:
            label = catalog.scale_labels[(key, scale.id)]
            items = [catalog.item_labels[(key, item)] for item in scale.items]
            specs.append(ScaleSpec(label, items, "sum" if scale.method == "sum" else "mean",
                                   _recode_map(model, scale)))
            sources[label] = (key, scale.id)
    return specs, sources


def _recode_map(model: Instrument, scale: Scale) -> dict[int, float] | None:
    if not scale.recode:
        return None
    items = [model.item(i) for i in scale.items]
    values = range(min(it.min for it in items), max(it.max for it in items) + 1)
    return {v: scale.recoded(v) for v in values}


def reliability_rows(db_or_url: Database | str | os.PathLike[str], study_id: str | None = None, *,
                     study_code: str | None = None, include_in_progress: bool = False) -> ReliabilityData:
    """Item scores of a study's ratings (submitted only by default) and its scale specs.

    ``db_or_url`` is an open :class:`Database`, a file path or a SQLAlchemy URL.
    Without ``study_id`` or ``study_code`` the database must hold exactly one
    study. Raises :class:`StatsInputError` when the study cannot be found or has
    no ratings yet, ``FileNotFoundError`` for a missing database file.
    """
    db, owned = _open(db_or_url)
    try:
        with db.reading() as s:
            study = _find_study(s, study_id, study_code)
            catalog = study_catalog(s, study.id)
            data = _fetch(s, study, catalog, include_in_progress)
    finally:
        if owned:
            db.close()
    return data


def _open(db_or_url: Database | str | os.PathLike[str]) -> tuple[Database, bool]:
    if isinstance(db_or_url, Database):
        return db_or_url, False
    path = sqlite_path(to_url(db_or_url))
    if path is not None and not Path(path).exists():
        # Opening would create an empty database; a typo should not leave files behind.
        raise FileNotFoundError(2, "no such database file", str(path))
    return open_database(db_or_url, migrate=False), True


def _find_study(s: Session, study_id: str | None, study_code: str | None) -> m.Study:
    studies = s.scalars(select(m.Study).order_by(m.Study.code)).all()
    if study_id is not None or study_code is not None:
        for study in studies:
            if study.id == study_id or (study_code is not None and study.code == study_code):
                return study
        raise StatsInputError([f"no study {study_code or study_id!r} in the database "
                               f"(found: {', '.join(x.code for x in studies) or 'none'})"])
    if len(studies) != 1:
        found = ", ".join(x.code for x in studies) or "none"
        raise StatsInputError([f"the database holds {len(studies)} studies ({found}); choose one by its code"])
    return studies[0]


def _fetch(s: Session, study: m.Study, catalog: InstrumentCatalog, include_in_progress: bool) -> ReliabilityData:
    sessions = {sid: (code, number) for sid, code, number in s.execute(
        select(m.Session.id, m.Patient.code, m.Session.number)
        .join(m.Patient, m.Patient.id == m.Session.patient_id).where(m.Patient.study_id == study.id))}
    raters = dict(s.execute(select(m.Rater.id, m.Rater.code).where(m.Rater.study_id == study.id)).all())
    keys = {v.row_id: v.key for v in catalog.versions}
    query = (
        select(m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
               m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na, m.Rating.submitted_at)
        .join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
        .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
        .where(m.Assignment.study_id == study.id, m.Assignment.purpose == "study")
    )
    if not include_in_progress:
        query = query.where(m.Rating.submitted_at.is_not(None))

    days: dict[datetime | None, float] = {None: np.nan}
    session_code: dict[str, int] = {}
    rater_code: dict[str, int] = {}
    item_code: dict[tuple[str, str], int] = {}
    cols: dict[str, list] = {name: [] for name in ("session", "rater", "item", "score", "time")}
    # Core execution on the session's connection streams rows from the cursor in
    # chunks; the ORM path would first buffer every row (hundreds of MB for a
    # million scores).
    rows = s.connection().execution_options(yield_per=20_000).execute(query)
    for session_id, rater_id, instrument_id, item_id, value, is_na, submitted in rows:
        cols["session"].append(session_code.setdefault(session_id, len(session_code)))
        cols["rater"].append(rater_code.setdefault(rater_id, len(rater_code)))
        cols["item"].append(item_code.setdefault((keys[instrument_id], item_id), len(item_code)))
        cols["score"].append(np.nan if is_na or value is None else value)
        day = days.get(submitted)
        if day is None:
            day = days[submitted] = _days(submitted)
        cols["time"].append(day)
    if not cols["score"]:
        which = "ratings" if include_in_progress else "submitted ratings"
        raise StatsInputError([f"study {study.code} has no {which} yet"])
    log.info("reliability data for %s: %d item scores", study.code, len(cols["score"]))
    return _table(study, catalog, sessions, raters, session_code, rater_code, item_code, cols)


def _table(study: m.Study, catalog: InstrumentCatalog, sessions: dict[str, tuple[str, int]],
           raters: dict[str, str], session_code: dict[str, int], rater_code: dict[str, int],
           item_code: dict[tuple[str, str], int], cols: dict[str, list]) -> ReliabilityData:
    """Encode the fetched columns; ids go in as integer codes, which the stats module takes without hashing."""
    labels = catalog.item_labels
    item_label = [labels.get(pair, f"{pair[0]}.{pair[1]}") for pair in item_code]
    specs, scale_sources = scale_specs(catalog)
    scale_of = {}
    for spec in reversed(specs):  # an item in two scales is tagged with the first
        scale_of.update(dict.fromkeys(spec.items, spec.name))
    session_ids = list(session_code)
    patients = list(dict.fromkeys(sessions[sid][0] for sid in session_ids))
    patient_index = {code: i for i, code in enumerate(patients)}
    session_codes = np.asarray(cols["session"], dtype=np.int64)
    per_session_patient = np.array([patient_index[sessions[sid][0]] for sid in session_ids], dtype=np.int64)
    per_session_number = np.array([sessions[sid][1] for sid in session_ids], dtype=np.float64)
    item_codes = np.asarray(cols["item"], dtype=np.int64)
    scale_names = list(dict.fromkeys(spec.name for spec in specs))
    scale_index = {name: i for i, name in enumerate(scale_names)}
    per_item_scale = np.array([scale_index.get(scale_of.get(label), -1) for label in item_label], dtype=np.int64)
    table = RatingTable.from_columns(
        session_id=Coded(session_codes, [f"{sessions[sid][0]}#{sessions[sid][1]}" for sid in session_ids]),
        rater_id=Coded(np.asarray(cols["rater"], dtype=np.int64), [raters[rid] for rid in rater_code]),
        item=Coded(item_codes, item_label),
        score=np.asarray(cols["score"], dtype=np.float64),
        patient_id=Coded(per_session_patient[session_codes], patients),
        session_number=per_session_number[session_codes],
        scale=Coded(per_item_scale[item_codes], scale_names) if scale_names else None,
        submitted_at=np.asarray(cols["time"], dtype=np.float64),
    )
    item_sources = {label: pair for pair, label in labels.items()}
    return ReliabilityData(table, specs, study.id, study.code, scale_sources, item_sources)


_EPOCH = datetime(1970, 1, 1)


def _days(moment: datetime) -> float:
    # Stored times are naive UTC; the statistics only use differences between them.
    return (moment.replace(tzinfo=None) - _EPOCH).total_seconds() / 86_400.0
