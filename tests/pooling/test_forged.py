"""Packages edited inside and re-checksummed: refused when the stored values disagree with their own history."""

from __future__ import annotations

import pytest

from rater.pooling import export_ratings, import_packages

from .helpers import dump, queue, rate
from .test_rejections import refused, resigned


@pytest.fixture
def package(lab, desktop, tmp_path):
    """(coordinator, a package of R01's submitted rating with a note, an N/A and a mark; R02's in progress)."""
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    rate(desk, "R01", queue(desk, "R01")[0], {"q1": 1, "q2": 3, "q3": 2}, na=("q4",),
         notes={"q2": "therapist reviews homework"}, marks=((61_000, "assigns thought record"),), submit=True)
    rate(desk, "R02", queue(desk, "R02")[0], {"q1": 2})
    path = tmp_path / "ratings.srpkg"
    export_ratings(desk, path, study_id)
    return coordinator, path


def _rating(data, code):
    return next(r for r in data["ratings"] if r["rater_code"] == code)


def _score(rating, item):
    return next(sc for sc in rating["scores"] if sc["item_id"] == item)


def _set_value(code, item, value):
    def change(data):
        _score(_rating(data, code), item)["value"] = value
    return change


def _set_na(data):
    score = _score(_rating(data, "R01"), "q4")
    score["is_na"], score["value"] = False, 4


def _set_note(data):
    _score(_rating(data, "R01"), "q2")["note"] = "no homework was reviewed"


def _move_mark(data):
    _rating(data, "R01")["marks"][0]["text"] = "nothing happens here"


def _add_mark(data):
    rating = _rating(data, "R02")
    rating["marks"].append({"id": "6f1c2b4e-0000-4000-8000-000000000001", "position_ms": 5, "text": "added",
                            "created_at": rating["started_at"]})


def _submit(data):
    rating = _rating(data, "R02")
    rating["status"], rating["submitted_at"] = "submitted", rating["updated_at"]


def _new_score(data):
    rating = _rating(data, "R02")
    rating["scores"].append({**_score(rating, "q1"), "id": "6f1c2b4e-0000-4000-8000-000000000002",
                             "item_id": "q3", "value": 4})


def _tie_mark(data):
    mark = _rating(data, "R01")["marks"][0]
    mark["item_id"], mark["polarity"] = "q1", "+"


def _tick_no_anchor(data):
    score = _score(_rating(data, "R01"), "q1")
    score["no_anchor"], score["no_anchor_note"] = True, "between two anchors"


FORGERIES = [
    (_set_value("R01", "q2", 0), "item q2 is 0, its history says 3"),
    (_set_value("R02", "q1", 4), "item q1 is 4, its history says 2"),
    (_set_na, "item q4 is 4, its history says N/A"),
    (_set_note, "the note on item q2 differs from its history"),
    (_move_mark, "the marks (1) differ from their history (1)"),
    (_add_mark, "the marks (1) differ from their history (0)"),
    (_submit, "the status is submitted, its history says in_progress"),
    (_new_score, "item q3 is 4, its history says empty"),
    (_tie_mark, "the marks (1) differ from their history (1)"),
    (_tick_no_anchor, "'no anchor fits' on item q1 differs from its history"),
]


@pytest.mark.parametrize("change, message", FORGERIES, ids=[m.split(",")[0] for _, m in FORGERIES])
def test_a_value_edited_inside_a_rechecksummed_package_is_refused(package, tmp_path, change, message):
    coordinator, path = package
    text = refused(coordinator, resigned(path, tmp_path / "forged.srpkg", change), message)
    assert "disagrees with its own audit trail" in text and "nothing was imported" in text


def test_the_untouched_package_imports(package):
    coordinator, path = package
    (result,) = import_packages(coordinator, [path])
    assert result.status == "imported" and result.added == 2


def test_a_history_rewritten_to_match_is_not_detected(package, tmp_path):
    # What the README says: checksums and histories detect damage and careless edits, not a forger
    # who rewrites the history consistently. This pins that limit so the documentation stays true.
    coordinator, path = package

    def consistent(data):
        rating = _rating(data, "R02")
        _score(rating, "q1")["value"] = 4
        event = next(e for e in rating["events"] if e["field"] == "item:q1")
        event["new"] = "4"

    before = dump(coordinator)
    (result,) = import_packages(coordinator, [resigned(path, tmp_path / "forged.srpkg", consistent)])
    assert result.status == "imported"
    assert dump(coordinator) != before
