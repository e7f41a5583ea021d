"""Item scores held one byte each: the codes, and the columns read from them."""

from __future__ import annotations

import numpy as np
import pytest

from rater.stats.cells import Cells
from rater.stats.coded import BLANK, NA, CodedScores, NaMarks, small_codes
from rater.stats.rows import DirectCodes
from rater.stats.table import RatingTable
from rater.study.reports.score_buffer import ScoreBuffer

NAN = np.nan


def test_small_integers_become_codes_with_markers():
    value = np.array([-125, 0, 3, 127, NAN, NAN], dtype=np.float32)
    na = np.array([False, False, False, False, False, True])
    codes = small_codes(value, na)
    assert codes.dtype == np.int8
    assert codes.tolist() == [-125, 0, 3, 127, BLANK, NA]


@pytest.mark.parametrize("odd", [2.5, 128, -126, 1e9])
def test_a_value_a_byte_cannot_hold_gives_no_codes(odd):
    assert small_codes(np.array([1, odd, 2], dtype=np.float64), np.zeros(3, dtype=bool)) is None


def test_coded_columns_read_like_the_arrays_they_replace():
    value = np.array([4, NAN, 2, NAN, -3], dtype=np.float32)
    na = np.array([False, False, False, True, False])
    scores = CodedScores(small_codes(value, na))
    marks = scores.na
    assert isinstance(marks, NaMarks) and marks.codes is scores.codes
    assert scores.dtype == np.float32 and marks.dtype == bool
    assert len(scores) == scores.size == 5 and scores.shape == (5,)
    np.testing.assert_array_equal(np.asarray(scores), value)
    np.testing.assert_array_equal(np.asarray(marks), na)
    np.testing.assert_array_equal(scores[1:4], value[1:4])
    np.testing.assert_array_equal(scores[na], value[na])
    np.testing.assert_array_equal(scores[[4, 0]], value[[4, 0]])
    assert scores[1:4].dtype == np.float32 and marks[2:].dtype == bool
    assert scores.astype(np.float64).dtype == np.float64
    assert int(np.isnan(scores).sum()) == 2 and bool(marks.any()) and marks.tolist() == na.tolist()
    with pytest.raises(TypeError):
        scores[0] = 1  # read-only: the statistics cannot change what the export writes


def test_cells_from_codes_equal_cells_from_values():
    rng = np.random.default_rng(3)
    n_ratings, n_items = 40, 5
    rating = np.repeat(np.arange(n_ratings), n_items)
    item = np.tile(np.arange(n_items), n_ratings)
    keep = rng.random(rating.size) < 0.8  # some cells have no row
    rating, item = rating[keep], item[keep]
    value = rng.integers(-2, 6, rating.size).astype(np.float32)
    value[rng.random(rating.size) < 0.1] = NAN
    na = np.isnan(value) & (rng.random(rating.size) < 0.5)
    coded = CodedScores(small_codes(value, na))

    def table(score, marks):
        return RatingTable(score=score, codes=DirectCodes(rating, item), rating_session=np.arange(n_ratings),
                           rating_rater=np.zeros(n_ratings, np.int64), session_labels=np.arange(n_ratings),
                           rater_labels=np.array(["R"]), item_labels=np.array(list("abcde"), dtype=object),
                           na=marks)

    for marks_plain, marks_coded in ((na, coded.na), (None, None)):
        plain, fast = Cells.from_table(table(value, marks_plain)), Cells.from_table(table(coded, marks_coded))
        columns = range(n_items)
        np.testing.assert_array_equal(plain.values(columns), fast.values(columns))
        if marks_plain is None:
            assert fast.na(columns) is None and plain.na(columns) is None
        else:
            np.testing.assert_array_equal(plain.na(columns), fast.na(columns))
        np.testing.assert_array_equal(plain.present_any(columns), fast.present_any(columns))


def test_the_buffer_keeps_codes_until_a_score_is_not_a_small_integer():
    buffer = ScoreBuffer(4)
    buffer.add(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([3, NAN, NAN], dtype=np.float32),
               np.array([False, False, True]))
    assert buffer.coded
    buffer.add(np.array([1, 2]), np.array([1, 0]), np.array([2.5, 7], dtype=np.float32), np.array([False, False]))
    assert not buffer.coded and buffer.size == 5  # grown past its capacity, too
    value, na = buffer.release("value"), buffer.release("na")
    np.testing.assert_array_equal(value, np.array([3, NAN, NAN, 2.5, 7], dtype=np.float32))
    assert na.tolist() == [False, False, True, False, False]
    assert buffer.release("rating").tolist() == [0, 0, 1, 1, 2]
