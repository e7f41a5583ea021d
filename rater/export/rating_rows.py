"""Rows of the long, wide and session-means tables, made straight from the study's numpy columns.

The study is read once (:mod:`rater.study.reports.scores_read`) and scored once
(:mod:`rater.export.scale_columns`); each table walks those arrays a block of
ratings at a time, turning a block's columns into Python values with
``tolist`` and numpy indexing instead of building an object per rating and
per item score. Only one block's values exist at a time, so memory stays flat
however large the study. Cell values (types included: an item score is an
int, a recoded score the scale's value) are the same as the per-rating
reading gave.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from rater.export.table import ColumnBlock, Runs, rows_of_blocks
from rater.instruments.scoring import ALL_NA, MISSING_ITEMS, NOT_APPLICABLE, SCORED
from rater.stats.encoding import runs
from rater.study.reports.scores_read import StudyScores

log = logging.getLogger(__name__)

BLOCK_RATINGS = 1_000  # ratings per block: ~7,000 long rows, about 3 MB of Python values at a time
_EPOCH = datetime(1970, 1, 1)
_OFFSET = 1 << 31  # item values are packed with their scale into one int64 key, shifted to be non-negative

# What a rating's scale score is, in the words of the workbook.
SCALE_STATUS = {SCORED: "scored", MISSING_ITEMS: "missing items", ALL_NA: "all N/A", NOT_APPLICABLE: "not applicable"}


def blocks(n: int, size: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of consecutive blocks of ``n`` ratings (or wide rows), ``BLOCK_RATINGS`` by default."""
    size = size or BLOCK_RATINGS
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _submitted(seconds: list[float]) -> list[datetime | None]:
    """Submission times as the naive UTC datetimes stored (as :meth:`StudyScores.submitted_at`)."""
    return [None if x != x else _EPOCH + timedelta(microseconds=round(x * 1e6)) for x in seconds]


def _int_values(values: np.ndarray) -> np.ndarray:
    """Item scores as an object array of Python ints, None where NaN (unanswered or N/A)."""
    missing = np.isnan(values)
    out = np.where(missing, 0, values).astype(np.int64).astype(object)
    out[missing] = None
    return out


def _notes(sc: StudyScores, lo: int, hi: int, positions: np.ndarray) -> list[str | None]:
    out: list[str | None] = [None] * (hi - lo)
    for pos in positions[np.searchsorted(positions, lo):np.searchsorted(positions, hi)].tolist():
        out[pos - lo] = sc.notes[pos] or None
    return out


class RatingColumns:
    """The per-rating labels every rating table repeats, looked up from the columns.

    ``heads(lo, hi)`` gives each rating's (study, patient, session number, date,
    team, rater, instrument key, instrument version).
    """

    def __init__(self, data: Any):
        sc: StudyScores = data.scores
        self.sc = sc
        self.versions = data.catalog.versions
        raters = list(data.raters.values())
        team_names = {t.id: t.name for t in data.teams}
        teams = [team_names.get(tid, "") for tid in sc.team_ids]
        code = data.study.code
        self.session_heads = [(code, x.patient, x.number, x.date) for x in data.sessions]
        self.rater_codes = [r.code for r in raters]
        self.team_of = [teams[t] if t >= 0 else "" for t in sc.team.tolist()]

    def heads(self, lo: int, hi: int) -> list[tuple]:
        sc, versions, sessions, raters = self.sc, self.versions, self.session_heads, self.rater_codes
        return [(*sessions[s], self.team_of[r], raters[rt], versions[v].key, versions[v].version)
                for r, s, rt, v in zip(range(lo, hi), sc.session[lo:hi].tolist(), sc.rater[lo:hi].tolist(),
                                       sc.version[lo:hi].tolist(), strict=True)]


def recode_codes(data: Any, sc: StudyScores) -> tuple[np.ndarray, list]:
    """(version × item) -> index of the first scale recoding the item (-1: none), and those scales."""
    scales: list = []
    index: dict[int, int] = {}
    table = np.full((len(data.catalog.versions), len(sc.item_ids) + 1), -1, dtype=np.int64)
    position = {item_id: i for i, item_id in enumerate(sc.item_ids)}
    for v, version in enumerate(data.catalog.versions):
        for scale in version.model.scales:
            if not scale.recode:
                continue
            for item in scale.items:
                i = position.get(item)
                if i is not None and table[v, i] < 0:
                    table[v, i] = index.setdefault(id(scale), len(scales))
                    if len(scales) < len(index):
                        scales.append(scale)
    return table, scales


def long_blocks(data: Any) -> Iterator[ColumnBlock]:
    """The long table a block of ratings at a time, by column: a rating's labels and submission
    time as :class:`Runs` over its item scores; item, value, na, recoded and note per item score."""
    sc: StudyScores | None = data.scores
    if sc is None or sc.n_ratings == 0:
        return
    cols = RatingColumns(data)
    recode_of, recode_scales = recode_codes(data, sc)
    item_ids = np.array(sc.item_ids + [""], dtype=object)
    note_positions = np.array(sorted(sc.notes), dtype=np.int64)
    starts = sc.starts
    for r0, r1 in blocks(sc.n_ratings):
        lo, hi = int(starts[r0]), int(starts[r1])
        counts = np.diff(starts[r0:r1 + 1]).tolist()
        heads = [Runs(column, counts) for column in zip(*cols.heads(r0, r1), strict=True)]
        item = sc.item[lo:hi]
        values = _int_values(sc.value[lo:hi])
        recoded = values.copy()
        scale = recode_of[sc.version[sc.rating_of(lo, hi)], item]
        mask = (scale >= 0) & (values != None)  # noqa: E711 (element-wise on an object array)
        if mask.any():
            # Each distinct (scale, value) is recoded once by the scale itself, keeping its value's type.
            keys = scale[mask] * (1 << 32) + (sc.value[lo:hi][mask].astype(np.int64) + _OFFSET)
            distinct, inverse = np.unique(keys, return_inverse=True)
            made = np.empty(distinct.size, dtype=object)
            made[:] = [recode_scales[k >> 32].recoded((k & 0xFFFF_FFFF) - _OFFSET) for k in distinct.tolist()]
            recoded[mask] = made[inverse]
        yield [*heads, item_ids[item].tolist(), values.tolist(), sc.na[lo:hi].tolist(), recoded.tolist(),
               _notes(sc, lo, hi, note_positions), Runs(_submitted(sc.submitted[r0:r1].tolist()), counts)]


def long_rows(data: Any) -> Iterator[tuple]:
    """(*head, item, value, na, recoded, note, submitted_at) per item score, in export order."""
    return rows_of_blocks(long_blocks(data))


def wide_groups(sc: StudyScores, keys: list[str]) -> np.ndarray:
    """Start (rating number) of every wide row, plus the end: consecutive ratings of one session by
    one rater, a second version of an instrument in the same group starting a new row. An array
    (a list of a large study's starts would hold an int object each)."""
    n = sc.n_ratings
    if not n:
        return np.zeros(0, dtype=np.int64)
    number = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    key = np.array([number[k] for k in keys], dtype=np.int64)[sc.version]
    new_run = (sc.session[1:] != sc.session[:-1]) | (sc.rater[1:] != sc.rater[:-1])
    if (key[1:] >= key[:-1])[~new_run].all():
        # Keys in order within each session x rater run (the catalog keeps an instrument's versions
        # together and ratings come in version order): a key already in the row is the one before.
        starts = np.flatnonzero(new_run | (key[1:] == key[:-1])) + 1
        return np.concatenate(([0], starts, [n]))
    bounds = [0]
    session, rater, codes = sc.session.tolist(), sc.rater.tolist(), key.tolist()
    seen: set[int] = set()
    for r in range(n):
        if r and (session[r] != session[r - 1] or rater[r] != rater[r - 1] or codes[r] in seen):
            bounds.append(r)
            seen = set()
        seen.add(codes[r])
    bounds.append(n)
    return np.array(bounds, dtype=np.int64)


def group_numbers(bounds: np.ndarray) -> np.ndarray:
    """Each rating's wide row (int32), from the rows' ``bounds``."""
    return np.repeat(np.arange(len(bounds) - 1, dtype=np.int32), np.diff(bounds))


def wide_layout(data: Any, items: list[tuple[str, str, str]],
                scales: list[tuple[str, str, str]]) -> tuple[np.ndarray, list[tuple[int, Any]]]:
    """Where a wide row's cells go: (version, item) -> item column (-1: none), and each scale's
    score column with its :class:`~rater.export.scale_columns.ScaleColumn` (its status
    column is ``len(scales)`` further on)."""
    sc: StudyScores = data.scores
    item_pos = {(key, item): i for i, (key, item, _label) in enumerate(items)}
    column_of = np.full((len(data.catalog.versions), len(sc.item_ids) + 1), -1, dtype=np.int64)
    for v, version in enumerate(data.catalog.versions):
        for i, item_id in enumerate(sc.item_ids):
            column_of[v, i] = item_pos.get((version.key, item_id), -1)
    scale_pos = {(key, sid): len(items) + i for i, (key, sid, _stem) in enumerate(scales)}
    return column_of, [(scale_pos[pair], column) for pair, column in data.scale_scores.items()]


def wide_rows(data: Any, items: list[tuple[str, str, str]], scales: list[tuple[str, str, str]],
              na_code: int | None) -> Iterator[tuple]:
    """One row per session × rater group: head, item cells, scale scores, scale statuses."""
    sc: StudyScores | None = data.scores
    if sc is None or sc.n_ratings == 0:
        return
    cols = RatingColumns(data)
    versions = data.catalog.versions
    n_items, n_scales = len(items), len(scales)
    width = n_items + 2 * n_scales
    column_of, scale_columns = wide_layout(data, items, scales)
    labels = [f"{v.key} {v.version}" for v in versions]
    bounds = wide_groups(sc, [v.key for v in versions])
    group_of = group_numbers(bounds)
    submitted = sc.submitted
    status_names = np.array([SCALE_STATUS.get(i) for i in range(max(SCALE_STATUS) + 1)], dtype=object)
    for g0, g1 in blocks(len(bounds) - 1, BLOCK_RATINGS // 2):
        r0, r1 = int(bounds[g0]), int(bounds[g1])
        local = (bounds[g0:g1 + 1] - r0).tolist()  # the block's groups, from its first rating
        lo, hi = int(sc.starts[r0]), int(sc.starts[r1])
        cells = np.full((g1 - g0, width), None, dtype=object)
        values = _int_values(sc.value[lo:hi])
        if na_code is not None:
            values[sc.na[lo:hi]] = na_code
        rating = sc.rating_of(lo, hi)
        pos = column_of[sc.version[rating], sc.item[lo:hi]]
        keep = pos >= 0
        cells[group_of[rating[keep]] - g0, pos[keep]] = values[keep]
        rows_of = group_of[r0:r1] - g0
        for at, column in scale_columns:
            rated, score, status = column.block(r0, r1)
            if not rated.size:
                continue
            obj = score.astype(object)
            obj[np.isnan(score)] = None
            cells[rows_of[rated], at] = obj
            cells[rows_of[rated], at + n_scales] = status_names[status]
        heads = cols.heads(r0, r1)
        times = submitted[r0:r1].tolist()
        block_versions = sc.version[r0:r1].tolist()
        for g, row in enumerate(cells.tolist()):
            a, b = local[g], local[g + 1]
            group = range(a, b)
            when = [times[i] for i in group if times[i] == times[i]]
            teams = ", ".join(dict.fromkeys(heads[i][4] for i in group if heads[i][4]))
            head = heads[a]
            yield (head[0], head[1], head[2], head[3], teams or None, head[5],
                   ", ".join([labels[v] for v in block_versions[a:b]]),
                   _submitted([max(when)])[0] if when else None, *row)


def session_means(data: Any, scales: list[tuple[str, str, str]]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """The rated sessions (indices into the session list, in order) and, per scale, each one's
    sum of the raters' scores and how many raters scored it."""
    sc: StudyScores = data.scores
    used, group = runs(sc.session)  # ratings come in session order: a rated session is one run
    sums_and_counts = []
    for key, sid, _stem in scales:
        column = data.scale_scores[(key, sid)]
        # Only ratings of versions with the scale count; bincount adds in rating order, as a
        # running sum from 0.0 would.
        of = group[column.ratings]
        valid = ~np.isnan(column.scores)
        sums = np.bincount(of, weights=np.where(valid, column.scores, 0.0), minlength=used.size)
        sums_and_counts.append((sums, np.bincount(of, weights=valid, minlength=used.size).astype(np.int64)))
    return used, sums_and_counts


SESSION_BLOCK = 4_000  # sessions made into Python values at a time


def session_mean_rows(data: Any, scales: list[tuple[str, str, str]]) -> Iterator[tuple]:
    """Per rated session: (study, patient, number, date, then mean and n per scale)."""
    sc: StudyScores | None = data.scores
    if sc is None or sc.n_ratings == 0:
        return
    used, sums_and_counts = session_means(data, scales)
    code = data.study.code
    for g0, g1 in blocks(used.size, SESSION_BLOCK):
        columns: list[list] = []
        for sums, counts in sums_and_counts:
            n = counts[g0:g1].tolist()
            columns += [[s / k if k else None for s, k in zip(sums[g0:g1].tolist(), n, strict=True)], n]
        for g, s in enumerate(used[g0:g1].tolist()):
            x = data.sessions[s]
            yield (code, x.patient, x.number, x.date, *(c[g] for c in columns))
