"""The CSV text of the long, wide and session-means tables, made straight from the study's numpy columns.

Fed the rows of :mod:`rater.export.rating_rows`, the CSV writer would format
every one of a million rows' cells in turn. Here the text is made where it
repeats. A long line is a rating's prefix (study, patient, session, date,
team, rater, instrument, version: formatted once per rating from texts made
once per session, rater and version), the item part (item, value, na,
recoded: formatted once per distinct (version, item, value, N/A) — a study
has a few hundred — and taken by an integer key), the rare note, and the
rating's suffix (its submission time, put together by numpy). A block's
lines are one ``"".join``. A wide row is its head, its item cells (an
integer code matrix whose bytes numpy lays out, commas included) and its
scale scores and statuses (each distinct score formatted once), joined.

The text is byte for byte what ``csv.writer`` writes for the same tables'
rows after the CSV conversions (:mod:`rater.export.csv_text`);
``tests/export/test_rating_csv.py`` compares the two on an awkward study.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np

from rater.export.csv_text import column_text, converted_text, plain_text
from rater.export.rating_rows import (
    BLOCK_RATINGS,
    SCALE_STATUS,
    SESSION_BLOCK,
    blocks,
    group_numbers,
    recode_codes,
    session_means,
    wide_groups,
    wide_layout,
)
from rater.study.reports.scores_read import StudyScores

log = logging.getLogger(__name__)

# Largest integer key looked up in a dense table (8 bytes an entry); beyond it, np.unique.
DENSE_KEYS = 1 << 20


def time_texts(seconds: np.ndarray) -> list[str]:
    """Times (seconds since 1970 UTC, NaN for none) as the CSV has them: to the second, blank for none.

    The same as :func:`rater.export.rating_rows` makes them (microseconds rounded half to
    even) and ``datetime.isoformat(sep=" ", timespec="seconds")`` writes them (cut, not rounded).
    The characters are put together by numpy: each distinct day's date, then the time's digits.
    """
    missing = np.isnan(seconds)
    micro = np.rint(np.where(missing, 0.0, seconds) * 1e6).astype(np.int64)
    days, second = np.divmod(micro // 1_000_000, 86_400)
    first_day = int(days.min()) if days.size else 0
    distinct, day_of = coded(days - first_day)
    dates = np.datetime_as_string((distinct + first_day).astype("datetime64[D]")).astype("U10")
    chars = np.empty((seconds.size, 19), dtype=np.uint32)  # YYYY-MM-DD HH:MM:SS as UCS-4
    chars[:, :10] = dates.view(np.uint32).reshape(-1, 10)[day_of]
    chars[:, 10] = ord(" ")
    chars[:, 13] = chars[:, 16] = ord(":")
    for at, part in ((11, second // 3600), (14, second // 60 % 60), (17, second % 60)):
        chars[:, at] = ord("0") + part // 10
        chars[:, at + 1] = ord("0") + part % 10
    out = chars.view("U19").reshape(-1).tolist()
    for i in np.flatnonzero(missing).tolist():
        out[i] = ""
    return out


def coded(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (non-negative, sorted) and each key's index among them, as ``np.unique``
    gives; by a dense table when the keys are small (a few ms for a million, np.unique: 200 ms)."""
    if keys.size == 0 or int(keys.max()) >= DENSE_KEYS:
        return np.unique(keys, return_inverse=True)
    distinct = np.flatnonzero(np.bincount(keys))
    rank = np.zeros(int(distinct[-1]) + 1, dtype=np.int64)
    rank[distinct] = np.arange(distinct.size)
    return distinct, rank[keys]


class LabelTexts:
    """The CSV texts of the labels every rating table repeats, made once per session, rater,
    team and instrument version."""

    def __init__(self, data: Any):
        sc: StudyScores = data.scores
        self.sc = sc
        code = plain_text(data.study.code)
        # Column by column, each distinct patient, number and date formatted once.
        patients, numbers, dates = data.sessions.columns()
        self.session = [f"{code},{p},{n},{d}" for p, n, d in zip(
            column_text(patients, plain_text), column_text(numbers, plain_text), column_text(dates, plain_text),
            strict=True)]
        self.rater = [plain_text(r.code) for r in data.raters.values()]
        names = {t.id: t.name for t in data.teams}
        self.team_names = [names.get(tid, "") for tid in sc.team_ids] + [""]  # the last: no team
        self.team = [plain_text(name) for name in self.team_names]
        self.version = [f"{plain_text(v.key)},{plain_text(v.version)}" for v in data.catalog.versions]
        self.session_comma = np.array([f"{text}," for text in self.session], dtype=object)

    def team_codes(self, lo: int, hi: int) -> list[int]:
        """Ratings' indices into the team texts (no team: the last)."""
        team = self.sc.team[lo:hi]
        return np.where(team < 0, len(self.team) - 1, team).tolist()

    def prefixes(self, lo: int, hi: int) -> np.ndarray:
        """Each rating's long-line prefix: its eight labels, each followed by a comma.

        The session's four and the (team, rater, version) three are made apart, the latter once
        per distinct triple, and joined by numpy's element-wise ``+`` (half the time of a loop)."""
        sc = self.sc
        n_raters, n_versions = len(self.rater), len(self.version)
        team = np.array(self.team_codes(lo, hi), dtype=np.int64)
        triples, triple_of = coded((team * n_raters + sc.rater[lo:hi]) * n_versions + sc.version[lo:hi])
        texts = [f"{self.team[t // n_raters]},{self.rater[t % n_raters]},{self.version[v]},"
                 for t, v in (divmod(k, n_versions) for k in triples.tolist())]
        return self.session_comma[sc.session[lo:hi]] + np.array(texts, dtype=object)[triple_of]


_SLICE = 1 << 16


class ValueCodes:
    """Item values as small codes: 0 when a score has no value (unanswered or N/A), else
    1 + (value - the study's lowest value); made a block at a time, never for the whole study."""

    def __init__(self, sc: StudyScores):
        self.sc = sc
        low, high = np.inf, -np.inf
        for start in range(0, sc.n_scores, _SLICE):  # nanmin would copy the whole column
            part = sc.value[start:start + _SLICE]
            part = part[~np.isnan(part)]
            if part.size:
                low, high = min(low, float(part.min())), max(high, float(part.max()))
        self.low = int(low) if np.isfinite(low) else 0
        self.n_codes = (int(high) - self.low + 2) if np.isfinite(high) else 1

    def codes(self, lo: int, hi: int) -> np.ndarray:
        values = self.sc.value[lo:hi]
        missing = np.isnan(values)
        return np.where(missing, 0, np.where(missing, 0, values).astype(np.int64) - self.low + 1)


class ItemParts:
    """The texts of the item parts ("item,value,na,recoded,") of the long lines, each distinct
    (version, item, value, N/A) formatted once, when a block first needs it."""

    def __init__(self, data: Any, sc: StudyScores):
        self.sc = sc
        self.values = ValueCodes(sc)
        self.recode_of, self.recode_scales = recode_codes(data, sc)
        self.item_texts = [plain_text(i) for i in sc.item_ids]
        self.made: dict[int, str] = {}

    def texts(self, lo: int, hi: int) -> list[str]:
        """The item part of each score ``lo:hi``."""
        sc, n_items, n_codes = self.sc, len(self.sc.item_ids), self.values.n_codes
        version = sc.version[sc.rating_of(lo, hi)].astype(np.int64)
        keys = ((version * n_items + sc.item[lo:hi]) * n_codes + self.values.codes(lo, hi)) * 2 + sc.na[lo:hi]
        distinct, index = coded(keys)
        texts = [self.made.get(key) or self._made(key) for key in distinct.tolist()]
        return np.array(texts, dtype=object)[index].tolist()

    def _made(self, key: int) -> str:
        n_items, n_codes = len(self.sc.item_ids), self.values.n_codes
        na, rest = key & 1, key >> 1
        rest, code = divmod(rest, n_codes)
        v, item = divmod(rest, n_items)
        value = code - 1 + self.values.low if code else None
        recoded = value
        if value is not None and self.recode_of[v, item] >= 0:
            recoded = self.recode_scales[self.recode_of[v, item]].recoded(value)
        text = self.made[key] = (f"{self.item_texts[item]},{plain_text(value)},{'1' if na else '0'},"
                                 f"{converted_text(recoded)},")
        return text


def long_text(data: Any) -> Iterator[tuple[str, int]]:
    """The long table's lines (CRLF-ended) a block of ratings at a time, with each block's number of lines."""
    sc: StudyScores | None = data.scores
    if sc is None or sc.n_ratings == 0:
        return
    labels = LabelTexts(data)
    parts = ItemParts(data, sc)
    notes = sorted(sc.notes.items())
    note_at = np.array([pos for pos, _note in notes], dtype=np.int64)
    for r0, r1 in blocks(sc.n_ratings):
        lo, hi = int(sc.starts[r0]), int(sc.starts[r1])
        rating = sc.rating_of(lo, hi) - r0
        suffixes = np.array([f",{t}\r\n" for t in time_texts(sc.submitted[r0:r1])], dtype=object)
        middle = parts.texts(lo, hi)
        for n in range(int(np.searchsorted(note_at, lo)), int(np.searchsorted(note_at, hi))):
            pos, note = notes[n]
            middle[pos - lo] += plain_text(note)
        lines: list[str] = [""] * (3 * (hi - lo))
        lines[0::3] = labels.prefixes(r0, r1)[rating].tolist()
        lines[1::3] = middle
        lines[2::3] = suffixes[rating].tolist()
        yield "".join(lines), hi - lo


def _float_texts(values: np.ndarray) -> np.ndarray:
    """Floats as the CSV has them (repr; blank for NaN and infinities), each distinct value formatted once."""
    distinct, index = np.unique(values, return_inverse=True)
    return np.array([converted_text(x) for x in distinct.tolist()], dtype=object)[index.reshape(-1)]


class _AsciiCells:
    """Rows of an integer code matrix as text, each code standing for one of a few ASCII texts
    (the item values): the bytes of a block's rows are put together by numpy, not cell by cell."""

    def __init__(self, texts: list[str]):
        width = max(map(len, texts))
        # One row per code: its text's bytes, zeros (dropped later) to the common width, a comma.
        self.table = np.zeros((len(texts), width + 1), dtype=np.uint8)
        for code, text in enumerate(texts):
            self.table[code, :len(text)] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        self.table[:, width] = ord(",")

    def joined(self, codes: np.ndarray) -> list[str]:
        """Each row's cells joined by commas (a matrix of at least one column)."""
        cells = self.table[codes]
        cells[:, -1, -1] = ord("\n")  # the row's end, where the split below cuts
        flat = cells.reshape(-1)
        return flat[flat != 0].tobytes().decode("ascii").split("\n")[:-1]


class _RowHeads:
    """The heads of wide rows: session labels, teams, rater, instruments, submission time.

    The teams and instruments texts ("Team 2", "hes_ct 1.0, hes_general 1.0") are made once per
    distinct pattern of (team, version) over a row's ratings (a study has a handful), joined
    with the rater once per distinct (pattern, rater), and to the rest by numpy's ``+``."""

    def __init__(self, version_labels: list[str]):
        self.version_labels = version_labels
        self.made: dict[tuple, tuple[str, str]] = {}

    def heads(self, labels: LabelTexts, sc: StudyScores, r0: int, r1: int, starts: np.ndarray) -> np.ndarray:
        """Each row's head; the rows of ratings ``r0:r1`` start at ``starts`` (relative to ``r0``)."""
        n_versions = len(self.version_labels)
        codes = np.array(labels.team_codes(r0, r1), dtype=np.int64) * n_versions + sc.version[r0:r1]
        sizes = np.diff(np.append(starts, r1 - r0))
        # A row's pattern as one number: add its ratings' codes a position at a time, renumbering the
        # patterns after each step so the numbers stay below rows x codes.
        pattern = np.zeros(starts.size, dtype=np.int64)
        for at in range(int(sizes.max())):
            has = sizes > at
            step = np.zeros(starts.size, dtype=np.int64)
            step[has] = codes[starts[has] + at] + 1
            pattern = coded(pattern * (len(labels.team) * n_versions + 1) + step)[1]
        first = np.zeros(int(pattern.max()) + 1, dtype=np.int64)
        first[pattern[::-1]] = np.arange(starts.size)[::-1]  # the first row of each pattern
        team_codes, versions = labels.team_codes(r0, r1), sc.version[r0:r1].tolist()
        texts = []
        for row in first.tolist():
            a, b = int(starts[row]), int(starts[row] + sizes[row])
            key = tuple(zip(team_codes[a:b], versions[a:b], strict=True))
            text = self.made.get(key)
            if text is None:
                names = ", ".join(dict.fromkeys(labels.team_names[t] for t, _v in key if labels.team_names[t]))
                instruments = ", ".join(self.version_labels[v] for _t, v in key)
                text = self.made[key] = (plain_text(names), plain_text(instruments))
            texts.append(text)
        firsts = starts + r0
        n_raters = len(labels.rater)
        pairs, pair_of = coded(pattern * n_raters + sc.rater[firsts])
        middles = [f"{texts[p][0]},{labels.rater[r]},{texts[p][1]},"
                   for p, r in (divmod(k, n_raters) for k in pairs.tolist())]
        # fmax skips NaN (in progress) unless every rating of the row is in progress.
        times = time_texts(np.fmax.reduceat(sc.submitted[r0:r1], starts))
        return (labels.session_comma[sc.session[firsts]] + np.array(middles, dtype=object)[pair_of]
                + np.array(times, dtype=object))


def wide_text(data: Any, items: list[tuple[str, str, str]], scales: list[tuple[str, str, str]],
              na_code: int | None) -> Iterator[tuple[str, int]]:
    """The wide table's lines (CRLF-ended) a block of rows at a time, with each block's number of rows."""
    sc: StudyScores | None = data.scores
    if sc is None or sc.n_ratings == 0:
        return
    labels = LabelTexts(data)
    versions = data.catalog.versions
    version_labels = [f"{v.key} {v.version}" for v in versions]
    n_items, n_scales = len(items), len(scales)
    column_of, scale_columns = wide_layout(data, items, scales)
    values = ValueCodes(sc)
    n_codes, low = values.n_codes, values.low
    # Code 0: blank; 1...: the values from the lowest up; the last: an N/A item given the N/A code.
    value_texts = _AsciiCells(["", *(str(low + c - 1) for c in range(1, n_codes)), plain_text(na_code)])
    status_texts = np.array([plain_text(SCALE_STATUS.get(i)) for i in range(max(SCALE_STATUS) + 1)], dtype=object)
    bounds = wide_groups(sc, [v.key for v in versions])
    group_of = group_numbers(bounds)
    heads = _RowHeads(version_labels)
    for g0, g1 in blocks(len(bounds) - 1, BLOCK_RATINGS // 2):
        r0, r1 = int(bounds[g0]), int(bounds[g1])
        lo, hi = int(sc.starts[r0]), int(sc.starts[r1])
        # Cells: the head, the item cells joined, the scale scores and statuses.
        first = 2 if n_items else 1
        cells = np.full((g1 - g0, first + 2 * n_scales), "", dtype=object)
        item_codes = np.zeros((g1 - g0, n_items), dtype=np.int64)
        rating = sc.rating_of(lo, hi)
        pos = column_of[sc.version[rating], sc.item[lo:hi]]
        keep = pos >= 0
        codes = values.codes(lo, hi)
        if na_code is not None:
            codes[sc.na[lo:hi]] = n_codes
        item_codes[group_of[rating[keep]] - g0, pos[keep]] = codes[keep]
        if n_items:
            cells[:, 1] = value_texts.joined(item_codes)
        rows_of = group_of[r0:r1] - g0
        for at, column in scale_columns:
            rated, score, status = column.block(r0, r1)
            if rated.size:
                cells[rows_of[rated], first + at - n_items] = _float_texts(score)
                cells[rows_of[rated], first + at - n_items + n_scales] = status_texts[status]
        starts = bounds[g0:g1] - r0
        cells[:, 0] = heads.heads(labels, sc, r0, r1, starts)
        yield "\r\n".join(map(",".join, cells.tolist())) + "\r\n", g1 - g0


def session_means_text(data: Any, scales: list[tuple[str, str, str]]) -> Iterator[tuple[str, int]]:
    """The session means table's lines (CRLF-ended) and their number, a block of sessions at a time."""
    sc: StudyScores | None = data.scores
    if sc is None or sc.n_ratings == 0:
        return
    used, sums_and_counts = session_means(data, scales)
    labels = LabelTexts(data)
    most = max((int(counts.max()) for _sums, counts in sums_and_counts if counts.size), default=0)
    count_texts = np.array([str(k) for k in range(most + 1)], dtype=object)
    for g0, g1 in blocks(used.size, SESSION_BLOCK):
        cells = np.empty((g1 - g0, 1 + 2 * len(scales)), dtype=object)
        cells[:, 0] = [labels.session[s] for s in used[g0:g1].tolist()]
        for at, (all_sums, all_counts) in enumerate(sums_and_counts):
            sums, counts = all_sums[g0:g1], all_counts[g0:g1]
            means = np.divide(sums, counts, out=np.full(g1 - g0, np.nan), where=counts > 0)  # as sum / n in Python
            cells[:, 1 + 2 * at] = _float_texts(means)
            cells[:, 2 + 2 * at] = count_texts[counts]
        yield "\r\n".join(map(",".join, cells.tolist())) + "\r\n", g1 - g0
