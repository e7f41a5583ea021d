"""SPSS (.sav) files that carry their labels, for SPSS and R (haven).

Two files beside the CSVs: ``ratings_wide.sav`` (one case per session and
rater) and ``session_means.sav`` (one case per session). Every variable has
a label: an item variable its item text, with its anchors as value labels;
scale scores, raters, sessions and times what the codebook says of them.
An item the rater marked N/A holds :func:`na_code` (labelled "N/A" and
declared a user-missing value, so SPSS and haven keep it apart from an
unanswered item, which is system-missing).

pyreadstat (ReadStat) writes the file from a data frame, so one table is
held in memory while it is written; both tables have a row per session and
rater at most, a small share of a study's item scores.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rater import __version__
from rater.export.atomic import ExportError
from rater.export.dataset import ExportCounts, StudyData
from rater.export.progress import Tracker
from rater.export.rating_tables import item_columns, session_means_table, wide_table
from rater.export.table import Table

log = logging.getLogger(__name__)

NA_LABEL = "N/A (not applicable)"
_LABEL_BYTES = 255  # SPSS variable labels
_VALUE_LABEL_BYTES = 120  # SPSS value labels
_NAME_BYTES = 64
_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.@#$]")
_BATCH = 5_000
_FULL_BYTES = 1 << 20  # less free space than this after a failed write: the disk is full
_MEASURE = {"int": "scale", "float": "scale", "bool": "nominal", "text": "nominal", "mixed": "nominal"}


@dataclass
class SavLabels:
    """What pyreadstat needs besides the values: names, labels, value labels, missing codes."""

    names: list[str]
    labels: list[str | None]
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    missing: dict[str, list[float]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)


def na_code(data: StudyData) -> int:
    """The code written for N/A: -9, or lower if an item's scale reaches that far."""
    lowest = min((item.min for v in data.catalog.versions for item in v.model.items), default=0)
    return min(-9, lowest - 1)


def _cut(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    raw = text.encode("utf-8")
    return text if len(raw) <= limit else raw[:limit].decode("utf-8", "ignore")


def variable_names(columns: Sequence[str]) -> list[str]:
    """Valid, unique SPSS variable names for ``columns`` (``hstbs.asg1`` stays; spaces become ``_``)."""
    names: list[str] = []
    seen: set[str] = set()
    for column in columns:
        name = _NOT_NAME.sub("_", column) or "v"
        if not name[0].isalpha():
            name = f"v{name}"
        name = name.rstrip(".") or "v"
        if name.upper() in _RESERVED:
            name = f"{name}_"
        name = name.encode()[:_NAME_BYTES].decode("utf-8", "ignore")
        base, n = name, 2
        while name.upper() in seen:
            name = f"{base[:_NAME_BYTES - 4]}_{n}"
            n += 1
        seen.add(name.upper())
        names.append(name)
    return names


def _labels(table: Table, data: StudyData, na: int) -> SavLabels:
    names = variable_names([c.name for c in table.columns])
    items = {label: (key, item) for key, item, label in item_columns(data)}
    models = {(v.key, it.id): it for v in data.catalog.versions for it in v.model.items}
    out = SavLabels(names, [_cut(c.description, _LABEL_BYTES) for c in table.columns])
    for i, (name, column) in enumerate(zip(names, table.columns, strict=True)):
        out.measure[name] = _MEASURE.get(column.kind, "nominal")
        if column.kind == "int":
            out.formats[name] = "F8.0"
        elif column.kind == "float":
            out.formats[name] = "F8.3"
        pair = items.get(column.name) if table.key == "ratings_wide" else None
        if pair is None or pair not in models:
            continue
        item = models[pair]
        out.labels[i] = _cut(item.text, _LABEL_BYTES)
        out.measure[name] = "ordinal"
        values = {float(k): _cut(text, _VALUE_LABEL_BYTES) or str(k) for k, text in sorted(item.anchors.items())}
        # Declared for every item, not only those allowing N/A: a file pooled from older
        # instrument versions may hold N/A where the current version no longer allows it.
        values[float(na)] = NA_LABEL
        out.missing[name] = [float(na)]
        out.value_labels[name] = values
    return out


def _frame(table: Table, labels: SavLabels, tracker: Tracker):
    import pandas as pd

    rows: list[Sequence[Any]] = []
    width = len(table.columns)
    for row in table.iter_rows():
        rows.append(row)
        if len(rows) % _BATCH == 0:
            tracker.advance(_BATCH * width, f"Writing {table.key}.sav: {len(rows):,} rows")
    tracker.advance((len(rows) % _BATCH) * width, f"Writing {table.key}.sav")
    frame = pd.DataFrame.from_records(rows, columns=labels.names, nrows=len(rows)) if rows else \
        pd.DataFrame({name: [] for name in labels.names})
    for name, column in zip(labels.names, table.columns, strict=True):
        if column.kind in ("int", "float", "bool"):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        elif column.kind == "datetime":
            frame[name] = pd.to_datetime(frame[name])
        elif column.kind == "text":
            frame[name] = frame[name].astype(object)
    return frame


def _full_disk(folder: Path) -> str:
    # ReadStat reports only "Unable to write data"; a full disk is the usual reason.
    try:
        return " (No space left on device)" if shutil.disk_usage(folder).free < _FULL_BYTES else ""
    except OSError:
        return ""


def spss_tables(data: StudyData, counts: ExportCounts) -> list[Table]:
    """The tables written as .sav: ratings wide (N/A as its code) and session means."""
    na = na_code(data)
    return [wide_table(data, counts.rater_sessions, na_code=na), session_means_table(data, counts.sessions)]


def write_sav_files(data: StudyData, counts: ExportCounts, stage: Path, tracker: Tracker) -> list[str]:
    """Write the .sav files into ``stage``; returns the file names written."""
    try:
        import pyreadstat
    except ImportError as exc:
        raise ExportError("SPSS files need the pyreadstat package: pip install pyreadstat") from exc
    na = na_code(data)
    # SPSS documents are lines of at most 80 bytes.
    note = [_cut(f"Study {data.study.code}, exported {datetime.now():%Y-%m-%d %H:%M} by Session Rater {__version__}.",
                 80),
            f"Item code {na} = N/A (user-missing); system-missing = unanswered or not rated."]
    names = []
    for table in spss_tables(data, counts):
        labels = _labels(table, data, na)
        frame = _frame(table, labels, tracker)
        path = stage / f"{table.key}.sav"
        tracker.check()
        try:
            pyreadstat.write_sav(frame, str(path), file_label=_cut(data.study.name, 64) or "", note=note,
                                 column_labels=labels.labels, variable_value_labels=labels.value_labels,
                                 missing_ranges=labels.missing, variable_measure=labels.measure,
                                 variable_format=labels.formats)
        except OSError as exc:
            raise ExportError(f"Could not write {path.name}: {exc.strerror or exc}. Nothing was written.") from exc
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
            raise ExportError(f"Could not write {path.name}: {exc}{_full_disk(stage)}. Nothing was written.") from exc
        del frame
        names.append(path.name)
    log.info("wrote %d SPSS file(s)", len(names))
    return names
