"""A study's ratings in the form the statistics need: :func:`reliability_rows`.

One rating in :mod:`rater.stats` is one rater's rating of one session; the
item scores of every instrument that rater gave that session belong to it.
Item labels are the instruments' item ids, prefixed with the instrument key
(``hstbs.rev1``) only when two instruments of the study share an id, so the
labels are unique. Scale specs come from the instrument files (items, mean or
sum, recodes, missing-data rule, session range); N/A items are passed to the
statistics as N/A, apart from missing ones. The item scores are read by
:func:`rater.study.reports.scores_read.read_scores`, the same single pass the export
uses.
Only assignments for the study itself count (``purpose = "study"``), never
practice ratings.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.instruments.model import Instrument
from rater.sort_keys import natural_key
from rater.stats import Coded, RatingTable, ScaleSpec, StatsInputError
from rater.stats.coded import CodedScores, NaMarks
from rater.stats.rows import BLOCK_ROWS, GroupedCodes
from rater.stats.scoring import specs_from_instrument
from rater.storage import models as m
from rater.storage.database import Database, open_database, sqlite_path, to_url
from rater.study.instruments import instrument_of
from rater.study.reports.scores_read import StudyScores, read_scores
from rater.study.reports.stats_ratings import SessionColumns, has_repeats, stats_ratings

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


def study_catalog(s: DbSession, study_id: str) -> InstrumentCatalog:
    """Instruments the study's teams rate (team name order), then any other used by its assignments."""
    team_rows = s.execute(
        select(m.InstrumentRecord)
        .join(m.TeamInstrument, m.TeamInstrument.instrument_id == m.InstrumentRecord.id)
        .join(m.Team, m.Team.id == m.TeamInstrument.team_id)
        .where(m.Team.study_id == study_id)
        .order_by(m.Team.name, m.InstrumentRecord.created_at, m.InstrumentRecord.key)
    ).scalars().all()
    used = s.execute(
        select(m.InstrumentRecord)
        .where(m.InstrumentRecord.id.in_(select(m.Assignment.instrument_id).where(
            m.Assignment.study_id == study_id, m.Assignment.purpose == "study")))
        .order_by(m.InstrumentRecord.key, m.InstrumentRecord.created_at)
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
    """A spec per scale of each instrument's newest version (items, method, recode,
    missing-data rule, session range), and label -> (key, scale id)."""
    specs, sources = [], {}
    for key in catalog.keys:
        model = catalog.latest(key).model
        labels = {item.id: catalog.item_labels[(key, item.id)] for item in model.items}
        for scale, spec in zip(model.scales, specs_from_instrument(model, labels), strict=True):
            label = catalog.scale_labels[(key, scale.id)]
            specs.append(replace(spec, name=label))
            sources[label] = (key, scale.id)
    return specs, sources


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
            sessions, raters = _study_lists(s, study.id)
            scores = read_scores(s, study.id, [x[0] for x in sessions], [r[0] for r in raters],
                                 [v.row_id for v in catalog.versions],
                                 {v.row_id: {it.id: i for i, it in enumerate(v.model.items)}
                                  for v in catalog.versions}, include_in_progress)
    finally:
        if owned:
            db.close()
    if scores.n_scores == 0:
        which = "ratings" if include_in_progress else "submitted ratings"
        raise StatsInputError([f"study {study.code} has no {which} yet"])
    return reliability_from_scores(study.id, study.code, catalog,
                                   SessionColumns.of([(x[1], x[2]) for x in sessions]), [r[1] for r in raters], scores)


def _open(db_or_url: Database | str | os.PathLike[str]) -> tuple[Database, bool]:
    if isinstance(db_or_url, Database):
        return db_or_url, False
    path = sqlite_path(to_url(db_or_url))
    if path is not None and not Path(path).exists():
        # Opening would create an empty database; a typo should not leave files behind.
        raise FileNotFoundError(2, "no such database file", str(path))
    return open_database(db_or_url, migrate=False), True


def _find_study(s: DbSession, study_id: str | None, study_code: str | None) -> m.Study:
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


def _study_lists(s: DbSession, study_id: str) -> tuple[list[tuple[str, str, int]], list[tuple[str, str]]]:
    """(id, patient code, number) of the study's sessions and (id, code) of its raters, in natural order."""
    sessions = [tuple(row) for row in s.execute(
        select(m.Session.id, m.Patient.code, m.Session.number)
        .join(m.Patient, m.Patient.id == m.Session.patient_id)
        .where(m.Patient.study_id == study_id, m.Session.is_practice.is_(False)))]
    sessions.sort(key=lambda x: (natural_key(x[1]), x[2]))
    raters = sorted(s.execute(select(m.Rater.id, m.Rater.code).where(m.Rater.study_id == study_id)).all(),
                    key=lambda r: natural_key(r[1]))
    return sessions, [tuple(r) for r in raters]


def reliability_from_scores(study_id: str, study_code: str, catalog: InstrumentCatalog,
                            sessions: SessionColumns, rater_codes: list[str],
                            scores: StudyScores) -> ReliabilityData:
    """Encode the study's item scores (read once by :func:`read_scores`) for the statistics.

    ``sessions`` holds the sessions' patient codes and numbers and ``rater_codes``
    the raters' codes, in the order the scores index them. The table uses the reader's per-score
    arrays as they are (read-only views) and adds only per-rating and
    per-item lookups: no per-score array is copied or made here.
    """
    if scores.n_scores == 0:
        raise StatsInputError([f"study {study_code} has no ratings to analyse yet"])
    keys = catalog.keys
    n_ids = len(scores.item_ids)
    key_of_version = np.array([keys.index(v.key) for v in catalog.versions], dtype=np.int32)
    rating_key = key_of_version[scores.version]
    # A score's (instrument key, item id) pair is offset[its rating] + its item: a lookup
    # over the few possible pairs, never a per-score code array.
    offset = rating_key * n_ids
    first = _first_rows(scores, offset, len(keys) * n_ids)
    order = np.argsort(first, kind="stable")[:np.count_nonzero(first < scores.n_scores)]
    labels = catalog.item_labels
    item_label = []
    for code in order.tolist():
        pair = (keys[code // n_ids], scores.item_ids[code % n_ids])
        item_label.append(labels.get(pair, f"{pair[0]}.{pair[1]}"))
    item_code = np.full(first.size, -1, dtype=np.int64)
    item_code[order] = np.arange(order.size)  # codes in first appearance, as from_columns numbers them
    specs, scale_sources = scale_specs(catalog)
    scale_of = {}
    for spec in reversed(specs):  # an item in two scales is tagged with the first
        scale_of.update(dict.fromkeys(spec.items, spec.name))
    scale_names = list(dict.fromkeys(spec.name for spec in specs))
    scale_index = {name: i for i, name in enumerate(scale_names)}
    scale_of_item = np.array([scale_index.get(scale_of.get(label), -1) for label in item_label], dtype=np.int64)

    table = _encode(scores, sessions, rater_codes, offset, rating_key, item_code, item_label, scale_of_item,
                    scale_names)
    item_sources = {label: pair for pair, label in labels.items()}
    log.info("reliability data for %s: %d item scores", study_code, scores.n_scores)
    return ReliabilityData(table, specs, study_id, study_code, scale_sources, item_sources)


def _first_rows(scores: StudyScores, offset: np.ndarray, n_pairs: int) -> np.ndarray:
    """The first row of each (key, item) pair (``scores.n_scores`` for pairs that never occur).

    A block of scores at a time; only a block where a new pair shows up is searched.
    """
    first = np.full(n_pairs, scores.n_scores, dtype=np.int64)
    for start in range(0, scores.n_scores, BLOCK_ROWS):
        pair = offset[scores.rating_of(start, start + BLOCK_ROWS)] + scores.item[start:start + BLOCK_ROWS]
        seen = np.zeros(n_pairs, dtype=bool)
        seen[pair] = True
        for code in np.flatnonzero(seen & (first == scores.n_scores)).tolist():
            first[code] = start + int(np.argmax(pair == code))
    return first


def _read_only(array: np.ndarray | CodedScores | NaMarks) -> np.ndarray | CodedScores | NaMarks:
    """A view of one of the reader's arrays that the statistics cannot write into (coded
    scores cannot be written into)."""
    if not isinstance(array, np.ndarray):
        return array
    view = array.view()
    view.flags.writeable = False
    return view


def _encode(scores: StudyScores, sessions: SessionColumns, rater_codes: list[str], offset: np.ndarray,
            rating_key: np.ndarray, item_code: np.ndarray, item_label: list[str], scale_of_item: np.ndarray,
            scale_names: list[str]) -> RatingTable:
    """The :class:`RatingTable` that ``RatingTable.from_columns`` would build, made directly.

    The database already guarantees one patient and one number per session,
    so only the codes are arranged here, per rating. Two scores of one item in
    one rating (two versions of an instrument rated by the same rater in one
    session) go through ``from_columns`` for its message listing them.
    """
    ratings = stats_ratings(scores, sessions, rater_codes)
    # Item ids are unique within a reader's rating, so a score can only repeat where one
    # stats rating holds two ratings of the same instrument key.
    n_keys = int(rating_key.max()) + 1
    if has_repeats(ratings.of_rating.astype(np.int64) * n_keys + rating_key):
        return _via_from_columns(scores, sessions, rater_codes, item_code[offset[scores.rating_of(0, scores.n_scores)] + scores.item],
                                 item_label, scale_of_item, scale_names)
    # Scale codes follow first appearance in the rows, i.e. in the item order; unused ones last.
    seen_scales = list(dict.fromkeys(int(c) for c in scale_of_item if c >= 0))
    rest = sorted((i for i in range(len(scale_names)) if i not in seen_scales), key=lambda i: scale_names[i])
    scale_order = seen_scales + rest
    scale_code = np.full(len(scale_names) + 1, -1, dtype=np.int64)
    scale_code[scale_order] = np.arange(len(scale_order))
    days = np.full(ratings.session.size, np.nan)  # the latest submission of each; NaN if none
    np.fmax.at(days, ratings.of_rating, scores.submitted / 86_400.0)
    codes = GroupedCodes(_read_only(scores.starts), _read_only(scores.item), ratings.of_rating, offset, item_code)
    return RatingTable(
        score=_read_only(scores.value), codes=codes,
        rating_session=ratings.session, rating_rater=ratings.rater,
        session_labels=ratings.session_labels, rater_labels=ratings.rater_labels,
        item_labels=np.array(item_label, dtype=object),
        rating_days=days, session_number=ratings.session_number,
        item_scale=scale_code[scale_of_item] if scale_names else None,
        scale_labels=np.array([scale_names[i] for i in scale_order], dtype=object) if scale_names else None,
        na=_read_only(scores.na),
    )


def _via_from_columns(scores: StudyScores, sessions: SessionColumns, rater_codes: list[str],
                      item_codes: np.ndarray, item_label: list[str], scale_of_item: np.ndarray,
                      scale_names: list[str]) -> RatingTable:
    """``RatingTable.from_columns`` on the same columns (it checks and reports every problem)."""
    per_rating = scores.rating_of(0, scores.n_scores)
    session_code = scores.session[per_rating].astype(np.int64)
    return RatingTable.from_columns(
        session_id=Coded(session_code, sessions.labels(np.arange(sessions.number.size)).tolist()),
        rater_id=Coded(scores.rater[per_rating].astype(np.int64), rater_codes),
        item=Coded(item_codes, item_label),
        score=scores.value.astype(np.float64),
        patient_id=Coded(sessions.patient.astype(np.int64)[session_code], sessions.codes),
        session_number=sessions.number.astype(np.float64)[session_code],
        scale=Coded(scale_of_item[item_codes], scale_names) if scale_names else None,
        submitted_at=scores.submitted[per_rating] / 86_400.0,
        na=scores.na,
    )
