"""Descent decided from the audit trail: fast-forward, older versions, conflicts and their resolution."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from rater.pooling import export_ratings, import_packages, list_conflicts, resolve_conflict
from rater.pooling.lineage import AHEAD, BEHIND, DIVERGED, SAME, relation
from rater.storage import models as m
from rater.study.errors import StudyError
from rater.study.rating.workstation import Workstation

from .helpers import queue, rate, rater_id, rating_state


class Desk:
    """A desktop database plus a counter for its package files."""

    def __init__(self, db, study_id, folder, name):
        self.db, self.study_id, self.folder, self.name, self.n = db, study_id, folder, name, 0

    def export(self, rater=None):
        self.n += 1
        path = self.folder / f"{self.name}-{self.n}.srpkg"
        export_ratings(self.db, path, self.study_id, rater)
        return path

    def set(self, aid, item, value, code="R01"):
        Workstation(self.db).set_response(aid, rater_id(self.db, code), item, value)


@pytest.fixture
def desks(lab, desktop, tmp_path):
    _, study_id, _ = lab
    return lambda name: Desk(desktop(name), study_id, tmp_path, name)


def only(results):
    (result,) = results
    return result


def test_relation_is_containment_of_histories():
    assert relation(["a", "b"], ["a", "b"]) == SAME
    assert relation(["a", "b"], ["a", "b", "c"]) == AHEAD
    assert relation(["a", "b", "c"], ["a", "b"]) == BEHIND
    assert relation(["a", "b", "c"], ["a", "b", "d"]) == DIVERGED
    assert relation(["x"], ["y"]) == DIVERGED


def test_a_later_version_fast_forwards_and_an_older_one_is_skipped(lab, desks):
    coordinator = lab[0]
    a = desks("a")
    aid = queue(a.db, "R01")[0]
    rid = rate(a.db, "R01", aid, {"q1": 1, "q2": 1}, marks=((1_000, "first"),))
    first = a.export()
    assert only(import_packages(coordinator, [first])).added == 1
    a.set(aid, "q1", 4)
    ws, who = Workstation(a.db), rater_id(a.db, "R01")
    ws.delete_mark(aid, who, ws.open(aid, who).marks[0].id)  # linked at the first export
    ws.set_note(aid, who, "q2", "asked twice")
    second = a.export()
    result = only(import_packages(coordinator, [second]))
    assert (result.status, result.updated, result.conflicts) == ("imported", 1, [])
    assert rating_state(coordinator, rid) == rating_state(a.db, rid)
    older = only(import_packages(coordinator, [first]))
    assert (older.status, older.unchanged) == ("unchanged", 1)
    assert rating_state(coordinator, rid) == rating_state(a.db, rid)


def test_a_rater_moving_to_another_desktop_continues_the_same_history(lab, desks):
    coordinator = lab[0]
    a, b = desks("a"), desks("b")
    aid = queue(a.db, "R01")[0]
    rid = rate(a.db, "R01", aid, {"q1": 2}, marks=((5_000, "assigns homework"),))
    moved = a.export("R01")
    assert only(import_packages(b.db, [moved])).added == 1  # the rater's work follows them to desktop b
    ws, who = Workstation(b.db), rater_id(b.db, "R01")
    ws.delete_mark(aid, who, ws.open(aid, who).marks[0].id)
    b.set(aid, "q2", 3)
    later = b.export("R01")
    import_packages(coordinator, [moved])
    result = only(import_packages(coordinator, [later]))
    assert (result.updated, result.conflicts) == (1, [])
    pooled = rating_state(coordinator, rid)
    assert pooled["marks"] == [] and pooled == rating_state(b.db, rid)


def test_only_playback_changed_is_merged_not_a_conflict(lab, desks):
    coordinator = lab[0]
    a = desks("a")
    aid = queue(a.db, "R01")[0]
    rid = rate(a.db, "R01", aid, {"q1": 2}, play=10_000)
    import_packages(coordinator, [a.export()])
    Workstation(a.db).save_playback(aid, rater_id(a.db, "R01"), 30_000, 20_000, [[10_000, 30_000]])
    result = only(import_packages(coordinator, [a.export()]))
    assert (result.updated, result.conflicts) == (1, [])
    pooled = rating_state(coordinator, rid)
    assert (pooled["played_intervals"], pooled["time_spent_ms"], pooled["last_position_ms"]) == (
        [[0, 30_000]], 30_000, 30_000)


def diverge(coordinator, a, b):
    """a rates; b takes a's work over; both edit q1 differently. Returns (aid, rid, pkg_a, pkg_b)."""
    aid = queue(a.db, "R01")[0]
    rid = rate(a.db, "R01", aid, {"q1": 1, "q2": 2})
    base = a.export()
    import_packages(b.db, [base])
    import_packages(coordinator, [base])
    a.set(aid, "q1", 3)
    b.set(aid, "q1", 4)
    return aid, rid, a.export(), b.export()


def test_two_desktops_editing_one_rating_make_a_conflict_not_an_overwrite(lab, desks):
    coordinator = lab[0]
    a, b = desks("a"), desks("b")
    aid, rid, pkg_a, pkg_b = diverge(coordinator, a, b)
    assert only(import_packages(coordinator, [pkg_a])).updated == 1
    result = only(import_packages(coordinator, [pkg_b]))
    assert result.status == "imported" and result.updated == 0
    (note,) = result.conflicts
    assert note.rater_code == "R01" and note.differences == ("item q1: 3 here, 4 in the package",)
    assert rating_state(coordinator, rid) == rating_state(a.db, rid)  # the stored rating stays
    assert only(import_packages(coordinator, [pkg_b])).status == "unchanged"  # reported once
    (view,) = list_conflicts(coordinator)
    assert (view.id, view.patient_code, view.session_number) == (note.conflict_id, "P1", 1)
    with coordinator.reading() as s:
        row = s.get(m.RatingConflict, view.id)
        assert row.incoming == {**rating_state(b.db, rid), "rater_code": "R01", "events": row.incoming["events"]}
        assert row.package_id and row.detected_at and row.resolved_at is None


def test_keeping_the_incoming_version_lets_that_desktop_continue(lab, desks):
    coordinator = lab[0]
    a, b = desks("a"), desks("b")
    aid, rid, pkg_a, pkg_b = diverge(coordinator, a, b)
    import_packages(coordinator, [pkg_a, pkg_b])
    (view,) = list_conflicts(coordinator)
    with pytest.raises(StudyError, match="reason"):
        resolve_conflict(coordinator, view.id, "incoming", "  ")
    done = resolve_conflict(coordinator, view.id, "incoming", "rater b re-watched the session")
    assert done.resolution == "incoming"
    assert rating_state(coordinator, rid) == rating_state(b.db, rid)
    assert list_conflicts(coordinator) == [] and len(list_conflicts(coordinator, include_resolved=True)) == 1
    with coordinator.reading() as s:
        row = s.get(m.RatingConflict, view.id)
        assert row.replaced["scores"][0]["value"] == 3  # a's version is kept, not lost
        event = s.scalar(select(m.AuditEvent).where(m.AuditEvent.entity_id == view.id))
        assert (event.action, event.reason) == ("resolve", "rater b re-watched the session")
    b.set(aid, "q3", 1)
    result = only(import_packages(coordinator, [b.export()]))
    assert (result.updated, result.conflicts) == (1, [])  # b's branch is now the history
    assert only(import_packages(coordinator, [pkg_a])).status == "unchanged"  # a's old version is known
    a.set(aid, "q3", 0)
    assert len(only(import_packages(coordinator, [a.export()])).conflicts) == 1  # new edits on a's branch
    with pytest.raises(StudyError, match="already resolved"):
        resolve_conflict(coordinator, view.id, "stored", "again")


def test_a_rating_started_on_two_desktops_is_a_conflict(lab, desks):
    coordinator = lab[0]
    a, b = desks("a"), desks("b")
    aid = queue(a.db, "R02")[0]
    rid_a = rate(a.db, "R02", aid, {"q1": 1})
    rid_b = rate(b.db, "R02", aid, {"q1": 2, "q2": 2})
    assert rid_a != rid_b
    import_packages(coordinator, [a.export()])
    (note,) = only(import_packages(coordinator, [b.export()])).conflicts
    assert "started separately on two desktops" in note.differences[0]
    resolve_conflict(coordinator, note.conflict_id, "stored", "desktop a was the assigned one")
    assert rating_state(coordinator, rid_a) == rating_state(a.db, rid_a)
    with coordinator.reading() as s:
        assert s.get(m.Rating, rid_b) is None
    # The other way round: keeping the incoming rating replaces the stored one completely.
    b.set(aid, "q3", 4, code="R02")
    (note,) = only(import_packages(coordinator, [b.export()])).conflicts
    resolve_conflict(coordinator, note.conflict_id, "incoming", "b is complete")
    assert rating_state(coordinator, rid_b) == rating_state(b.db, rid_b)
    with coordinator.reading() as s:
        assert s.get(m.Rating, rid_a) is None
        assert s.scalar(select(m.RatingConflict.replaced).where(m.RatingConflict.id == note.conflict_id))["id"] == rid_a


def test_a_later_edit_of_a_waiting_version_updates_its_conflict(lab, desks):
    coordinator = lab[0]
    a, b = desks("a"), desks("b")
    aid, rid, pkg_a, pkg_b = diverge(coordinator, a, b)
    import_packages(coordinator, [pkg_a, pkg_b])
    b.set(aid, "q2", 0)
    result = only(import_packages(coordinator, [b.export()]))
    assert len(result.conflicts) == 1
    (view,) = list_conflicts(coordinator)
    assert view.id == result.conflicts[0].conflict_id
    assert "item q2: 2 here, 0 in the package" in view.differences


def test_which_versions_are_held_does_not_depend_on_import_order(lab, desks, make_db, desktop):
    coordinator = lab[0]
    a, b = desks("a"), desks("b")
    aid, rid, pkg_a, pkg_b = diverge(coordinator, a, b)
    held = []
    for order in ([pkg_a, pkg_b], [pkg_b, pkg_a]):
        db = desktop(f"pool-{len(held)}")
        import_packages(db, order)
        with db.reading() as s:
            versions = [rating_state(db, rid)] + [
                {k: v for k, v in row.incoming.items() if k != "rater_code"}
                for row in s.scalars(select(m.RatingConflict))]
        held.append(sorted(json.dumps(v, sort_keys=True) for v in versions))
    assert held[0] == held[1] and len(held[0]) == 2
