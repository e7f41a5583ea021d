"""Pooling the same packages in any order gives the same database."""

from __future__ import annotations

import itertools
import random

import pytest

from rater.pooling import export_ratings, export_study, import_packages, import_study
from rater.study.rating.workstation import Workstation

from .helpers import build_study, dump, queue, rate, rater_id, rating_state, ratings_of


@pytest.fixture
def four(make_db, media, tmp_path):
    """A 4-rater study: (its study package, study id)."""
    origin = make_db("origin")
    study_id = build_study(origin, media, raters=4)
    package = tmp_path / "study.srpkg"
    export_study(origin, package, study_id)
    return package, study_id


def desk(make_db, package, name):
    db = make_db(name)
    import_study(db, package, verify=False)
    return db


def pool(make_db, study_package, packages, name, keep=None):
    db = desk(make_db, study_package, name)
    results = import_packages(db, packages)
    assert all(r.status != "rejected" and not r.conflicts for r in results), [r.summary() for r in results]
    if keep is not None:
        keep.append(db)
    return dump(db)


def test_any_order_of_packages_gives_the_same_database(four, make_db, tmp_path):
    study_package, study_id = four
    d1, d2, d3 = (desk(make_db, study_package, f"desk{i}") for i in (1, 2, 3))
    a, b = queue(d1, "R01")[:2]
    rate(d1, "R01", a, {"q1": 1, "q2": 2}, marks=((1_000, "early"),), play=5_000)
    early = tmp_path / "r01-early.srpkg"
    export_ratings(d1, early, study_id, "R01")
    rate(d1, "R01", b, {"q1": 3}, na=("q4",), submit=False)
    Workstation(d1).set_response(a, rater_id(d1, "R01"), "q3", 4)
    rate(d1, "R02", queue(d1, "R02")[0], {"q1": 0, "q2": 0, "q3": 0}, na=("q4",), submit=True)
    late = tmp_path / "desk1-late.srpkg"
    export_ratings(d1, late, study_id)
    c = queue(d2, "R04")[1]
    rate(d2, "R03", queue(d2, "R03")[3], {"q2": 4}, notes={"q2": "long pause"})
    rate(d2, "R04", c, {"q1": 2}, play=3_000)
    moved = tmp_path / "r04-moved.srpkg"
    export_ratings(d2, moved, study_id, "R04")
    import_packages(d3, [moved])
    # R04 carries on at desk3; meanwhile desk2 still replays the session (bookkeeping only).
    Workstation(d3).set_response(c, rater_id(d3, "R04"), "q2", 1)
    Workstation(d2).save_playback(c, rater_id(d2, "R04"), 9_000, 6_000, [[3_000, 9_000]])
    desk2 = tmp_path / "desk2.srpkg"
    export_ratings(d2, desk2, study_id)
    desk3 = tmp_path / "desk3.srpkg"
    export_ratings(d3, desk3, study_id, "R04")
    packages = [early, late, desk2, desk3]
    kept = []
    reference = pool(make_db, study_package, packages, "reference", kept)
    assert len(reference["rating"]) == 5
    r04 = rating_state(kept[0], rating_state(d3, next(iter(ratings_of(d3))))["id"])
    # desk3's edit and desk2's extra playback both survive.
    assert {sc["item_id"]: sc["value"] for sc in r04["scores"]} == {"q1": 2, "q2": 1}
    assert (r04["played_intervals"], r04["time_spent_ms"]) == ([[0, 9_000]], 9_000)
    for n, order in enumerate(itertools.permutations(packages)):
        assert pool(make_db, study_package, list(order), f"perm{n}") == reference, [p.name for p in order]


def test_many_raters_in_shuffled_orders(make_db, media, tmp_path):
    raters = 8
    origin = make_db("origin")
    study_id = build_study(origin, media, raters=raters, patients=2, sessions=1)
    study_package = tmp_path / "study.srpkg"
    export_study(origin, study_package, study_id)
    packages = []
    for r in range(1, raters + 1):
        code = f"R{r:02d}"
        db = desk(make_db, study_package, f"desk-{code}")
        for i, aid in enumerate(queue(db, code)):
            rate(db, code, aid, {"q1": (r + i) % 5, "q2": r % 5, "q3": i}, na=("q4",), submit=bool(i % 2),
                 marks=((1_000 * r, f"mark {r}"),))
        packages.append(tmp_path / f"{code}.srpkg")
        export_ratings(db, packages[-1], study_id, code)
    reference = pool(make_db, study_package, packages, "reference")
    assert len(reference["rating"]) == raters * 2
    shuffler = random.Random(36)
    for n in range(4):
        order = packages[:]
        shuffler.shuffle(order)
        assert pool(make_db, study_package, order, f"shuffle{n}") == reference
