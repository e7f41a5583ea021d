"""The statistics' ratings made per rating: the same order and numbering as the general encoders."""

from __future__ import annotations

import random

import numpy as np

from rater.stats.encoding import encode_coded, runs
from rater.study.reports.stats_ratings import SessionColumns, _natural_order, has_repeats


def test_session_order_is_the_natural_order_of_the_labels():
    rng = random.Random(4)
    for _ in range(200):
        # Awkward codes: no digits, trailing digits or text, "#" inside, non-ASCII, number 0.
        patients = list({rng.choice(["P", "p", "A-", "x1y", "", "P0", "Z9a", "#", "P#", "ä"])
                         + str(rng.randrange(0, 200)) + rng.choice(["", "b", "#", "1", " "])
                         for _ in range(rng.randrange(1, 40))})
        sessions = [(p, n) for p in patients for n in rng.sample(range(0, 30), rng.randrange(1, 6))]
        labels = [f"{p}#{n}" for p, n in sessions]
        expected, _, _ = encode_coded(np.arange(len(labels)), labels)
        columns = SessionColumns.of(sessions)
        every = np.arange(len(sessions))
        assert columns.labels(every).tolist() == labels
        assert _natural_order(columns, every, columns.labels(every)).tolist() == expected.tolist()
        # A part of the sessions, as the statistics take those with ratings.
        some = np.sort(rng.sample(range(len(sessions)), rng.randrange(1, len(sessions) + 1)))
        part, _, _ = encode_coded(np.arange(some.size), [labels[i] for i in some])
        assert _natural_order(columns, some, columns.labels(some)).tolist() == part.tolist()


def test_runs_number_keys_as_unique_does_sorted_or_not():
    rng = np.random.default_rng(2)
    for keys in (np.sort(rng.integers(0, 50, 400)), rng.integers(0, 50, 400), np.array([7])):
        distinct, number = runs(keys)
        want_distinct, want_number = np.unique(keys, return_inverse=True)
        assert distinct.tolist() == want_distinct.tolist() and number.tolist() == want_number.tolist()
        assert number.dtype == np.int32


def test_repeats_are_found_sorted_or_not():
    assert not has_repeats(np.array([1, 2, 5, 9])) and has_repeats(np.array([1, 2, 2, 9]))
    assert not has_repeats(np.array([9, 2, 5, 1])) and has_repeats(np.array([9, 2, 5, 2]))


def test_labels_alike_in_natural_order_are_ordered_by_their_text():
    for labels in (["P1#1", "P01#1", "P001#1"], ["P001#1", "P1#1", "P01#1"], ["P1 #1", "x", "P01 #1"]):
        _codes, distinct, _missing = encode_coded(np.arange(len(labels)), labels)
        alike = [name for name in distinct.tolist() if name != "x"]
        assert alike == sorted(alike)
