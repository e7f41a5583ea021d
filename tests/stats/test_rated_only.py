"""A scale's figures from only the ratings that rated its instrument equal those from every rating."""

from __future__ import annotations

import dataclasses
import random

import numpy as np

from rater.stats import RatingRow, ScaleSpec, analyse
from rater.stats.analysis import _Ratings, _reliability
from rater.stats.bias import rater_bias
from rater.stats.cells import Cells
from rater.stats.halo import rater_halo
from rater.stats.scoring import NOT_RATED, scale_scores
from rater.stats.table import as_table

A_ITEMS, B_ITEMS = ["a1", "a2", "a3"], ["b1", "b2", "b3"]


def _study(seed: int = 1) -> list[RatingRow]:
    """Team A (four raters, three a session) rates instrument A in every session; team B rates
    instrument B only from session number 2 on. Some items are blank, some N/A, some missing."""
    rng = random.Random(seed)
    rows = []
    for s in range(60):
        patient, number = f"P{s // 4 + 1}", s % 4 + 1
        truth = rng.randrange(0, 5)
        for team, items, first in (("A", A_ITEMS, 1), ("B", B_ITEMS, 2)):
            if number < first:
                continue
            for rater in rng.sample([f"{team}{i}" for i in range(1, 5)], 3):
                lean = int(rater[1]) - 2
                for item in items:
                    roll = rng.random()
                    if roll < 0.04:
                        continue  # no row at all
                    score = None if roll < 0.08 else min(6, max(0, truth + lean + rng.randrange(-1, 2)))
                    rows.append(RatingRow(f"{patient}#{number}", rater, item, score, patient, number,
                                          submitted_at=float(s + int(rater[1]))))
    return rows


def _plain(x):
    return dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b


def test_rated_only_scores_hold_the_instruments_ratings():
    table = as_table(_study())
    cells = Cells.from_table(table)
    spec = ScaleSpec("B", B_ITEMS, rated_with=B_ITEMS)
    numbers = table.session_number[table.rating_session]
    every = scale_scores(cells, spec, None, numbers)
    part = scale_scores(cells, spec, None, numbers, rated_only=True)
    rated = every.status != NOT_RATED
    assert every.ratings is None and part.ratings.tolist() == np.flatnonzero(rated).tolist()
    assert 0 < part.ratings.size < table.n_ratings
    np.testing.assert_array_equal(part.scores, every.scores[rated])
    np.testing.assert_array_equal(part.items, every.items[rated])
    np.testing.assert_array_equal(part.status, every.status[rated])
    assert part.counts() == every.counts()
    # Where every rating rated the instrument there is nothing to leave out.
    only_a = as_table([row for row in _study() if row.item in A_ITEMS])
    assert scale_scores(Cells.from_table(only_a), ScaleSpec("A", A_ITEMS, rated_with=A_ITEMS), None,
                        only_a.session_number[only_a.rating_session], rated_only=True).ratings is None


def test_a_scales_figures_are_the_same_from_its_instruments_ratings_alone():
    table = as_table(_study())
    cells = Cells.from_table(table)
    numbers = table.session_number[table.rating_session]
    specs = [ScaleSpec("A", A_ITEMS, rated_with=A_ITEMS), ScaleSpec("B", B_ITEMS, rated_with=B_ITEMS),
             *(ScaleSpec(item, [item], rated_with=B_ITEMS) for item in B_ITEMS)]
    for spec in specs:
        kind = "scale" if len(spec.items) > 1 else "item"
        every = scale_scores(cells, spec, None, numbers)
        part = scale_scores(cells, spec, None, numbers, rated_only=True)
        whole = _reliability(spec, kind, every, table, _Ratings.of(table, None), {})
        mine = _reliability(spec, kind, part, table, _Ratings.of(table, part.ratings), {})
        old, new = _plain(whole), _plain(mine)
        # Two listings change, for the better: alpha per session number no longer lists the
        # numbers the instrument was never rated in, and one item's (undefined) alpha counts
        # the ratings of its instrument, not every rating.
        unrated = {1} if spec.rated_with == B_ITEMS and kind == "scale" else set()  # one item: no listing
        by_number = old["cronbach_by_session"].pop("by_session_number")
        assert set(by_number) - set(new["cronbach_by_session"]["by_session_number"]) == unrated
        assert all(by_number[n]["value"] is None for n in unrated)
        new["cronbach_by_session"].pop("by_session_number")
        if kind == "item":
            assert new["cronbach"]["n_rows"] == (part.ratings.size if part.ratings is not None else table.n_ratings)
            old["cronbach"].pop("n_rows"), new["cronbach"].pop("n_rows")
        assert _same(old, new), spec.name
        ratings = _Ratings.of(table, part.ratings)
        assert _same([_plain(x) for x in rater_bias(spec.name, every.scores, table.rating_session,
                                                     table.rating_rater, table.rater_labels, table.rating_days)],
                     [_plain(x) for x in rater_bias(spec.name, part.scores, ratings.session, ratings.rater,
                                                    table.rater_labels, ratings.days)])
        assert _same([_plain(x) for x in rater_halo(spec.name, every.items, table.rating_session,
                                                     table.rating_rater, table.rater_labels)],
                     [_plain(x) for x in rater_halo(spec.name, part.items, ratings.session, ratings.rater,
                                                    table.rater_labels)])


def test_the_report_lists_only_session_numbers_the_instrument_was_rated_in():
    report = analyse(_study(), [ScaleSpec("A", A_ITEMS, rated_with=A_ITEMS),
                                ScaleSpec("B", B_ITEMS, rated_with=B_ITEMS)])
    assert sorted(report.scales["A"].cronbach_by_session.by_session_number) == [1, 2, 3, 4]
    assert sorted(report.scales["B"].cronbach_by_session.by_session_number) == [2, 3, 4]
    assert report.scales["B"].counts["ratings"] == 45 * 3 and report.scales["A"].counts["ratings"] == 60 * 3
    assert {b.rater_id for b in report.raters if b.scale == "B"} == {"B1", "B2", "B3", "B4"}
