"""The cells the analysis scores from, and the row codes a table keeps.

The one-byte cells and the float fallback must hold exactly what the full
matrices hold; codes read through the reader's groups must equal per-row
codes; scoring a block of ratings at a time must equal scoring all at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from rater.instruments.model import ScoringRule
from rater.instruments.scoring import score_matrix
from rater.stats import RatingTable, ScaleSpec
from rater.stats.cells import Cells
from rater.stats.rows import DirectCodes, GroupedCodes, group_of_rows
from rater.stats.scoring import item_matrix, na_matrix, present_matrix, scale_scores


def _table(scores: np.ndarray, na: np.ndarray | None = None, n_sessions: int = 50) -> RatingTable:
    """Sessions × 3 raters × 4 items in long form, one row left out."""
    rows = [(s, r, i) for s in range(n_sessions) for r in range(3) for i in range(4)][1:]
    session, rater, item = (np.array(col) for col in zip(*rows, strict=True))
    return RatingTable.from_columns(session_id=session, rater_id=rater, item=item, score=scores[:len(rows)],
                                    na=None if na is None else na[:len(rows)])


def _assert_cells_match(table: RatingTable) -> None:
    cells = Cells.from_table(table)
    every = list(range(table.item_labels.size))
    np.testing.assert_array_equal(cells.values(every), item_matrix(table))
    np.testing.assert_array_equal(cells.na(every), na_matrix(table))
    present = present_matrix(table)
    for j in every:
        np.testing.assert_array_equal(cells.present_any([j]), present[:, j])
    np.testing.assert_array_equal(cells.present_any(every), present.any(axis=1))


@pytest.mark.parametrize("kind", ["small integers", "halves", "large", "not float32"])
def test_cells_hold_what_the_full_matrices_hold(kind):
    rng = np.random.default_rng(3)
    n = 50 * 3 * 4
    scores = rng.integers(-3, 7, n).astype(np.float64)
    if kind == "halves":
        scores /= 2
    elif kind == "large":
        scores *= 1000
    elif kind == "not float32":
        scores += 0.1
    scores[rng.random(n) < 0.1] = np.nan
    na = np.isnan(scores) & (rng.random(n) < 0.5)
    _assert_cells_match(_table(scores, na))


def test_cells_without_an_na_column_have_no_na_matrix():
    table = _table(np.ones(600))
    assert Cells.from_table(table).na([0, 1]) is None


def test_grouped_codes_equal_the_per_row_codes_across_blocks():
    rng = np.random.default_rng(5)
    n_groups, n_raw = 700, 9
    group = np.sort(rng.integers(0, n_groups, 20_000)).astype(np.int32)
    group = group[group % 7 != 3]  # every seventh group has no row
    raw = rng.integers(0, n_raw, group.size).astype(np.int32)
    group_rating = rng.integers(0, 300, n_groups)
    group_offset = rng.integers(0, 3, n_groups) * n_raw
    item_code = rng.permutation(3 * n_raw)
    starts = np.searchsorted(group, np.arange(n_groups + 1))  # some groups are empty
    assert (np.diff(starts) == 0).any()
    grouped = GroupedCodes(starts, raw, group_rating, group_offset, item_code)
    rating, item = group_rating[group], item_code[group_offset[group] + raw]
    np.testing.assert_array_equal(grouped.rating(), rating)
    np.testing.assert_array_equal(grouped.item(), item)
    firsts = []
    for start, stop, r, i in grouped.blocks(size=999):
        firsts.append(start)
        np.testing.assert_array_equal(r, rating[start:stop])
        np.testing.assert_array_equal(i, item[start:stop])
    assert firsts == list(range(0, group.size, 999))
    direct = DirectCodes(rating, item)
    assert direct.rating() is rating and direct.item() is item


def test_group_of_rows_at_every_edge():
    starts = np.array([0, 0, 3, 3, 4, 9, 9])  # groups 0, 3 and 5 empty
    group = np.repeat(np.arange(6), np.diff(starts))
    for start in range(10):
        for stop in range(start, 12):  # past the end too
            got = group_of_rows(starts, start, stop)
            assert got.dtype == np.int32
            np.testing.assert_array_equal(got, group[start:stop], err_msg=f"{start}:{stop}")


def test_scoring_a_block_at_a_time_equals_scoring_all_at_once():
    # 20,000 ratings: more than one block of the scoring engine.
    rng = np.random.default_rng(9)
    values = rng.integers(0, 5, (20_000, 5)).astype(np.float64)
    values[rng.random(values.shape) < 0.15] = np.nan
    na = np.isnan(values) & (rng.random(values.shape) < 0.3)
    present = ~(rng.random(values.shape) < 0.05)
    values[~present], na[~present] = np.nan, False
    labels = ["a", "b", "c", "d", "e"]
    spec = ScaleSpec("s", labels, "sum", recode={0: 0, 1: 0.5, 2: 1, 3: 1.5, 4: 2}, min_fraction=0.6)
    got = scale_scores(Cells.from_matrices(labels, values.astype(np.float32), na, present), spec)
    recoded = values.copy()
    for old, new in spec.recode.items():
        recoded[values == old] = new
    whole = score_matrix(recoded, na, "sum", ScoringRule(None, 0.6))
    np.testing.assert_array_equal(got.scores, whole.scores)
    np.testing.assert_array_equal(got.n_na, whole.n_na)
    np.testing.assert_array_equal(got.n_missing, whole.n_missing)
    np.testing.assert_array_equal(got.items, recoded)
    assert got.items.dtype == np.float32  # the recoded values are exact in float32
    assert ((got.status == -1) == ~present.any(axis=1)).all()
