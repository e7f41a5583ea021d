"""The ratings as tables: long (one row per item score), wide (one row per
session x rater) and session means (one row per session, the file analyses use).
Their rows come straight from the study's numpy columns (:mod:`rater.export.rating_rows`),
and so does their CSV text (:mod:`rater.export.rating_csv`).

Scale scores follow the instruments' scoring rules
(:data:`rater.instruments.scoring.SCORING_RULES`), the same the rating form
shows live, so a coordinator can check any wide cell against the form.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from rater.export.dataset import StudyData
from rater.export.rating_csv import long_text, session_means_text, wide_text
from rater.export.rating_rows import long_rows, session_mean_rows, wide_rows
from rater.export.table import Column, Table

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


def long_table(data: StudyData, estimated_rows: int) -> Table:
    """One row per item score."""
    def rows() -> Iterator[tuple]:
        return long_rows(data)

    return Table("ratings_long", "Ratings long", LONG_COLUMNS, rows, estimated_rows,
                 "One row per item score of every included rating.", csv_text=lambda: long_text(data))


def wide_table(data: StudyData, estimated_rows: int, na_code: int | None = None) -> Table:
    """One row per session x rater: item columns, then scale scores.

    An item marked N/A is blank, or ``na_code`` when given (the SPSS file declares it missing).
    """
    items = item_columns(data)
    scales = scale_ids(data)
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
    def rows() -> Iterator[tuple]:
        return wide_rows(data, items, scales, na_code)

    return Table("ratings_wide", "Ratings wide", columns, rows, estimated_rows,
                 "One row per session and rater: item scores, then scale scores.",
                 csv_text=lambda: wide_text(data, items, scales, na_code))


def session_means_table(data: StudyData, estimated_rows: int) -> Table:
    """One row per rated session: each scale's mean over raters and the number of raters."""
    scales = scale_ids(data)
    columns = [*SESSION_COLUMNS]
    for key, sid, stem in scales:
        columns.append(Column(f"{stem}_mean", "float", f"Mean of the raters' {sid} scores ({key})"))
        columns.append(Column(f"{stem}_n", "int", f"Number of raters with a {sid} score ({key})"))
    def rows() -> Iterator[tuple]:
        return session_mean_rows(data, scales)

    return Table("session_means", "Session means", columns, rows, estimated_rows,
                 "One row per rated session: the mean of the raters' scale scores and how many raters "
                 "contributed. Analyses use this table.", csv_text=lambda: session_means_text(data, scales))
