"""Encoding long-format ratings into a RatingTable."""

from __future__ import annotations

import numpy as np
import pytest

from rater.stats import Coded, RatingRow, RatingTable, StatsInputError


def test_ids_sort_naturally_and_items_keep_first_appearance():
    rows = [RatingRow("S10", "R10", "z", 1), RatingRow("S2", "R2", "a", 2),
            RatingRow("S10", "R2", "a", 3), RatingRow("S2", "R10", "z", 4)]
    table = RatingTable.from_rows(rows)
    assert list(table.session_labels) == ["S2", "S10"]
    assert list(table.rater_labels) == ["R2", "R10"]
    assert list(table.item_labels) == ["z", "a"]
    # Ratings are numbered in (session, rater) order.
    assert list(zip(table.rating_session, table.rating_rater, strict=True)) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_coded_columns_match_plain_columns():
    items = np.array(["q1", "q2", "q1", "q2"])
    plain = RatingTable.from_columns([1, 1, 2, 2], [7, 7, 7, 7], items, [1.0, 2.0, 3.0, None])
    coded = RatingTable.from_columns(np.array([1, 1, 2, 2]), np.array([7, 7, 7, 7]),
                                     Coded(np.array([0, 1, 0, 1]), ["q1", "q2"]),
                                     np.array([1.0, 2.0, 3.0, np.nan]))
    assert list(coded.item_labels) == list(plain.item_labels) == ["q1", "q2"]
    np.testing.assert_array_equal(coded.item, plain.item)
    np.testing.assert_array_equal(coded.score, plain.score)
    assert list(coded.session_labels) == [1, 2]


def test_submission_time_per_rating_is_the_latest():
    table = RatingTable.from_rows([
        RatingRow("S1", "R1", "a", 1, submitted_at="2024-01-01T00:00:00"),
        RatingRow("S1", "R1", "b", 1, submitted_at="2024-01-03T00:00:00+00:00"),
        RatingRow("S1", "R2", "a", 1, submitted_at=None),
    ])
    assert np.isnan(table.rating_days[1])
    assert table.rating_days[0] == pytest.approx(19725.0)  # 2024-01-03 in days since 1970


def test_problems_are_collected_with_row_numbers():
    rows = [RatingRow("S1", "R1", "a", "x"), RatingRow("S1", "R1", "a", 2),
            RatingRow("S1", "R2", "a", 3, session_number=1),
            RatingRow("S1", "R2", "b", 3, session_number=2)]
    with pytest.raises(StatsInputError) as caught:
        RatingTable.from_rows(rows)
    problems = caught.value.problems
    assert any("score is not a number at row 1" in p for p in problems)
    assert any("duplicate score for session S1, rater R1, item a at rows 1, 2" in p
               for p in problems)
    assert any("session S1 has more than one session_number" in p for p in problems)


def test_bad_shapes():
    with pytest.raises(StatsInputError, match="no ratings"):
        RatingTable.from_rows([])
    with pytest.raises(StatsInputError, match="differ in length"):
        RatingTable.from_columns([1, 2], [1], [1, 2], [1.0, 2.0])
    with pytest.raises(StatsInputError, match="rater_id is empty at row 2"):
        RatingTable.from_rows([("S1", "R1", "a", 1), ("S1", None, "a", 1)])


def test_rows_may_be_objects_with_attributes_and_columns_are_checked():
    from dataclasses import dataclass

    from rater.stats.table import as_table

    @dataclass
    class Row:
        session_id: str
        rater_id: str
        item: str
        score: float | None
        session_number: int | None = None

    table = as_table([Row("S1", "R1", "a", 1.0, 3), Row("S1", "R2", "a", 2.0, 3)])
    assert table.n_ratings == 2 and table.session_number.tolist() == [3.0]
    with pytest.raises(StatsInputError, match="missing column\\(s\\): score"):
        as_table({"session_id": [1], "rater_id": [1], "item": [1]})


def test_a_session_with_two_patients_is_a_problem():
    rows = [RatingRow("S1", "R1", "a", 1, patient_id="P1"),
            RatingRow("S1", "R2", "a", 2, patient_id="P2")]
    with pytest.raises(StatsInputError, match="session S1 has more than one patient_id"):
        RatingTable.from_rows(rows)


@pytest.mark.parametrize("names", [
    ["S10", "S9", "S100", "S1"],            # one prefix, numbers of different widths
    ["S001", "S010", "S002"],                # one prefix, equally wide numbers
    ["B2", "A10", "A9", "12", "3"],          # several prefixes and bare numbers
    ["P1_S2", "P1_S10", "P10_S1", "x"],      # not prefix + number: the general key
])
def test_natural_sort_shortcuts_order_as_the_natural_key(names):
    from rater.stats.encoding import _sorted_names, natural_key

    assert _sorted_names(set(names), True) == sorted(set(names), key=natural_key)
