"""The ratings as tables: long (one row per item score), wide (one row per
session x rater) and session means (one row per session, the file analyses use).

Scale scores follow the instruments' scoring rules
(:data:`rater.instruments.scoring.SCORING_RULES`), the same the rating form
shows live, so a coordinator can check any wide cell against the form.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from rater.export.dataset import RatingRecord, StudyData
from rater.export.table import Column, Table
from rater.study.reports.reliability_data import StudyInstrument

log = logging.getLogger(__name__)

SESSION_COLUMNS = (
    Column("study", description="Study code"),
    Column("patient", description="Patient code"),
    Column("session_number", "int", "Session number within the patient's treatment"),
    Column("session_date", "date", "Date of the session"),
)

LONG_COLUMNS = (
    *SESSION_COLUMNS,
    Column("team", description="Rating team of the assignment"),
    Column("rater", description="Rater code"),
    Column("instrument", description="Instrument key (see Codebook)"),
    Column("instrument_version", description="Instrument version the rater used"),
    Column("item", description="Item id within the instrument"),
    Column("value", "int", "Raw item score; blank when unanswered or N/A"),
    Column("na", "bool", "TRUE (CSV: 1) when the rater marked the item not applicable"),
    Column("recoded", "float", "Item score after the scale's recode (equals value when the scale has none)"),
    Column("note", description="The rater's note on the item"),
    Column("submitted_at", "datetime", "When the rating was submitted (UTC); blank while in progress"),
)


def scale_ids(data: StudyData) -> list[tuple[str, str, str]]:
    """(instrument key, scale id, column stem) for every scale, in study order.

    The stem is the scale id, prefixed with the instrument key if two
    instruments share the id.
    """
    pairs = list(dict.fromkeys((v.key, sc.id) for v in data.catalog.versions for sc in v.model.scales))
    seen = [sid for _key, sid in pairs]
    return [(key, sid, sid if seen.count(sid) == 1 else f"{key}.{sid}") for key, sid in pairs]


def item_columns(data: StudyData) -> list[tuple[str, str, str]]:
    """(instrument key, item id, column name) for every item, in study order."""
    return [(key, item, label) for (key, item), label in data.catalog.item_labels.items()]


def scale_scores(record: RatingRecord) -> dict[tuple[str, str], float | None]:
    """(key, scale id) -> the rating's scale score, computed for all ratings at once by the
    scoring engine the form uses (:mod:`rater.export.scale_columns`)."""
    return record.scale_scores


def _recode_lookup(version: StudyInstrument) -> dict[str, Any]:
    """item id -> the first scale of the item that recodes values (if any)."""
    lookup = {}
    for scale in version.model.scales:
        if scale.recode:
            for item in scale.items:
                lookup.setdefault(item, scale)
    return lookup


def long_table(data: StudyData, estimated_rows: int) -> Table:
    """One row per item score."""
    code = data.study.code

    def rows() -> Iterator[tuple]:
        recodes = {row_id: _recode_lookup(v) for row_id, v in data.instruments.items()}
        for r in data.ratings():
            sess, inst = r.session, r.instrument
            head = (code, sess.patient, sess.number, sess.date, r.team, r.rater.code, inst.key, inst.version)
            recode = recodes[inst.row_id]
            for item, value, na, note in r.scores:
                scale = recode.get(item)
                recoded = value if value is None or scale is None else scale.recoded(value)
                yield (*head, item, value, na, recoded, note or None, r.submitted_at)

    return Table("ratings_long", "Ratings long", LONG_COLUMNS, rows, estimated_rows,
                 "One row per item score of every included rating.")


def _wide_groups(data: StudyData) -> Iterator[list[RatingRecord]]:
    """Consecutive ratings of one session by one rater; a second version of an
    instrument in the same group starts a new row, so no cell is overwritten."""
    for _key, records in groupby(data.ratings(), key=lambda r: (r.session.id, r.rater.id)):
        group: list[RatingRecord] = []
        for record in records:
            if any(g.instrument.key == record.instrument.key for g in group):
                yield group
                group = []
            group.append(record)
        yield group


def wide_table(data: StudyData, estimated_rows: int, na_code: int | None = None) -> Table:
    """One row per session x rater: item columns, then scale scores.

    An item marked N/A is blank, or ``na_code`` when given (the SPSS file declares it missing).
    """
    items = item_columns(data)
    scales = scale_ids(data)
    item_pos = {(key, item): i for i, (key, item, _label) in enumerate(items)}
    scale_pos = {(key, sid): len(items) + i for i, (key, sid, _stem) in enumerate(scales)}
    columns = (
        *SESSION_COLUMNS,
        Column("team", description="Rating team(s)"),
        Column("rater", description="Rater code"),
        Column("instruments", description="Instruments and versions in this row"),
        Column("submitted_at", "datetime", "Latest submission time of the row's ratings (UTC)"),
        *(Column(label, "int", f"Item {item} of {key}; blank when unanswered or N/A") for key, item, label in items),
        *(Column(f"{stem}_score", "float", f"Scale {sid} of {key}, by the instrument's scoring rules")
          for key, sid, stem in scales),
        *(Column(f"{stem}_status", description=f"Scale {sid} of {key}: scored, missing items (too few items "
                 "scored for the scale's rule), all N/A, or not applicable (not rated in this session number)")
          for key, sid, stem in scales),
    )
    code = data.study.code

    def rows() -> Iterator[tuple]:
        for group in _wide_groups(data):
            first = group[0]
            cells: list[Any] = [None] * (len(items) + 2 * len(scales))
            for record in group:
                key = record.instrument.key
                for item, value, na, _note in record.scores:
                    pos = item_pos.get((key, item))
                    if pos is not None:
                        cells[pos] = na_code if na and na_code is not None else value
                for pair, score in scale_scores(record).items():
                    cells[scale_pos[pair]] = score
                for pair, status in record.scale_status.items():
                    cells[scale_pos[pair] + len(scales)] = status
            times = [r.submitted_at for r in group if r.submitted_at is not None]
            teams = ", ".join(dict.fromkeys(r.team for r in group if r.team))
            instruments = ", ".join(f"{r.instrument.key} {r.instrument.version}" for r in group)
            yield (code, first.session.patient, first.session.number, first.session.date, teams or None,
                   first.rater.code, instruments, max(times) if times else None, *cells)

    return Table("ratings_wide", "Ratings wide", columns, rows, estimated_rows,
                 "One row per session and rater: item scores, then scale scores.")


def session_means_table(data: StudyData, estimated_rows: int) -> Table:
    """One row per rated session: each scale's mean over raters and the number of raters."""
    scales = scale_ids(data)
    columns = [*SESSION_COLUMNS]
    for key, sid, stem in scales:
        columns.append(Column(f"{stem}_mean", "float", f"Mean of the raters' {sid} scores ({key})"))
        columns.append(Column(f"{stem}_n", "int", f"Number of raters with a {sid} score ({key})"))
    code = data.study.code

    def rows() -> Iterator[tuple]:
        for _sid, records in groupby(data.ratings(), key=lambda r: r.session.id):
            sums: dict[tuple[str, str], float] = {}
            counts: dict[tuple[str, str], int] = {}
            session = None
            for record in records:
                session = record.session
                for pair, score in scale_scores(record).items():
                    if score is not None:
                        sums[pair] = sums.get(pair, 0.0) + score
                        counts[pair] = counts.get(pair, 0) + 1
            cells: list[Any] = []
            for key, sid, _stem in scales:
                n = counts.get((key, sid), 0)
                cells += [sums[(key, sid)] / n if n else None, n]
            yield (code, session.patient, session.number, session.date, *cells)

    return Table("session_means", "Session means", columns, rows, estimated_rows,
                 "One row per rated session: the mean of the raters' scale scores and how many raters "
                 "contributed. Analyses use this table.")
