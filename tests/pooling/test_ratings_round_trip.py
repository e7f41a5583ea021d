"""Desktops rate through the Workstation, export; the coordinator imports: identical content."""

from __future__ import annotations

import json
import zipfile

from sqlalchemy import func, select

from rater.pooling import export_ratings, import_packages
from rater.storage import models as m
from rater.study.rating.workstation import Workstation

from .helpers import dump, queue, rate, rater_id, rating_state, ratings_of


def rate_everything(desk, code, submit_first=True):
    """Scores, N/A, notes, marks (added, edited, deleted), playback and a submission."""
    first, second = queue(desk, code)[:2]
    ws, who = Workstation(desk), rater_id(desk, code)
    rate(desk, code, first, {"q1": 4, "q2": 0, "q3": 2}, na=("q4",), notes={"q2": "never mentioned"},
         marks=((12_000, "therapist assigns thought record"), (30_500, "patient hesitates")), play=45_000,
         submit=submit_first)
    r2 = rate(desk, code, second, {"q1": 1, "q2": 2}, marks=((5_000, "typo"), (9_000, "keep")))
    marks = {mk.text: mk.id for mk in ws.open(second, who).marks}
    ws.update_mark(second, who, marks["typo"], "fixed text")
    ws.delete_mark(second, who, marks["keep"])
    ws.set_response(second, who, "q1", 3)
    ws.save_playback(second, who, 20_000, time_spent_delta_ms=8_000, played=[[1_000, 20_000]])
    return r2


def test_ratings_package_holds_everything_with_checksums(lab, desktop, tmp_path):
    _, study_id, _ = lab
    desk = desktop("desk1")
    rate_everything(desk, "R01")
    out = tmp_path / "r01.srpkg"
    done = export_ratings(desk, out, study_id, "R01")
    assert done.ratings == 2 and done.rater_codes == ("R01",)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        data = json.loads(zf.read("ratings.json"))
    assert manifest["kind"] == "ratings" and manifest["members"]["ratings.json"]["sha256"]
    assert not list(tmp_path.glob(".r01.srpkg.*"))  # no temporary file left behind
    first = next(r for r in data["ratings"] if r["status"] == "submitted")
    assert {sc["item_id"]: (sc["value"], sc["is_na"]) for sc in first["scores"]} == {
        "q1": (4, False), "q2": (0, False), "q3": (2, False), "q4": (None, True)}
    assert first["instrument"]["key"] == "pool_scale" and first["instrument"]["version"] == "1.0"
    assert first["time_spent_ms"] == 45_000 and first["played_intervals"] == [[0, 45_000]]
    assert first["submitted_at"] and first["revision"] > 0
    assert [e["field"] for e in first["events"]][:2] == ["status", "item:q1"]
    second = next(r for r in data["ratings"] if r["status"] == "in_progress")
    assert [e["action"] for e in second["events"] if e["entity"] == "mark"] == ["create", "update"]
    # A mark added and deleted before any export belongs to no rating any more; its events still travel.
    assert [e["action"] for e in data["loose_events"]] == ["create", "delete"]


def test_round_trip_gives_identical_ratings_field_by_field(lab, desktop, tmp_path):
    coordinator, study_id, _ = lab
    desk1, desk2 = desktop("desk1"), desktop("desk2")
    rate_everything(desk1, "R01")
    rate_everything(desk1, "R02", submit_first=False)
    rate_everything(desk2, "R03")
    export_ratings(desk1, tmp_path / "d1.srpkg", study_id)
    export_ratings(desk2, tmp_path / "d2.srpkg", study_id)
    results = import_packages(coordinator, [tmp_path / "d1.srpkg", tmp_path / "d2.srpkg"])
    assert [(r.status, r.added, r.conflicts) for r in results] == [("imported", 4, []), ("imported", 2, [])]
    pooled = ratings_of(coordinator)
    expected = {**ratings_of(desk1), **ratings_of(desk2)}
    assert pooled.keys() == expected.keys() and len(pooled) == 6
    for rating_id, theirs in expected.items():
        ours = pooled[rating_id]
        for key in theirs:
            assert ours[key] == theirs[key], (rating_id, key)
    # Audit events keep their ids and every column.
    with desk1.reading() as s:
        desk_events = {e.id: (e.at, e.actor, e.desktop, e.action, e.entity, e.entity_id, e.field, e.old, e.new)
                       for e in s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity.in_(("rating", "mark"))))}
    with coordinator.reading() as s:
        pooled_events = {e.id: (e.at, e.actor, e.desktop, e.action, e.entity, e.entity_id, e.field, e.old, e.new)
                         for e in s.scalars(select(m.AuditEvent).where(m.AuditEvent.id.in_(desk_events)))}
    assert pooled_events == desk_events


def test_importing_the_same_package_twice_changes_nothing(lab, desktop, tmp_path):
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    rate_everything(desk, "R01")
    package = tmp_path / "r01.srpkg"
    export_ratings(desk, package, study_id, "R01")
    assert import_packages(coordinator, [package])[0].status == "imported"
    before = dump(coordinator)
    with coordinator.reading() as s:
        events = s.scalar(select(func.count()).select_from(m.AuditEvent))
    again = import_packages(coordinator, [package])[0]
    assert again.status == "unchanged" and again.unchanged == 2 and again.summary().startswith("unchanged")
    assert dump(coordinator) == before
    with coordinator.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == events
    # A second export of an unchanged desktop is a new file with the same content: unchanged too.
    export_ratings(desk, tmp_path / "again.srpkg", study_id, "R01")
    assert import_packages(coordinator, [tmp_path / "again.srpkg"])[0].status == "unchanged"


def test_a_mark_added_and_deleted_between_exports_still_reaches_the_audit_trail(lab, desktop, tmp_path):
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    aid = queue(desk, "R01")[0]
    rate(desk, "R01", aid, {"q1": 2})
    ws, who = Workstation(desk), rater_id(desk, "R01")
    gone = ws.add_mark(aid, who, 1_000, "oops")
    ws.delete_mark(aid, who, gone.id)
    export_ratings(desk, tmp_path / "p.srpkg", study_id)
    import_packages(coordinator, [tmp_path / "p.srpkg"])
    with coordinator.reading() as s:
        kept = list(s.scalars(select(m.AuditEvent.action).where(m.AuditEvent.entity_id == gone.id)))
    assert sorted(kept) == ["create", "delete"]


def test_progress_is_reported_and_cancel_rolls_back(lab, desktop, tmp_path):
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    rate_everything(desk, "R01")
    export_ratings(desk, tmp_path / "p.srpkg", study_id)
    before = dump(coordinator)
    from rater.study.recordings.files import Cancelled

    seen = []
    try:
        import_packages(coordinator, [tmp_path / "p.srpkg"], progress=lambda d, t, w: seen.append((d, t)),
                        cancel=lambda: len(seen) >= 1)
    except Cancelled:
        pass
    else:
        raise AssertionError("cancel was ignored")
    assert seen == [(1, 2)] and dump(coordinator) == before
    seen.clear()
    import_packages(coordinator, [tmp_path / "p.srpkg"], progress=lambda d, t, w: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]
    assert rating_state(coordinator, next(iter(ratings_of(desk))))


def test_evidence_and_no_anchor_ticks_travel_with_the_ratings(lab, desktop, tmp_path):
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    first = queue(desk, "R01")[0]
    ws, who = Workstation(desk), rater_id(desk, "R01")
    rate(desk, "R01", first, {"q1": 3}, marks=((12_000, "assigns thought record"),))
    [mark] = ws.open(first, who).marks
    ws.set_mark_evidence(first, who, mark.id, "q1", "+")
    ws.set_no_anchor(first, who, "q2", True, "between two anchors")
    export_ratings(desk, tmp_path / "r01.srpkg", study_id, "R01")
    import_packages(coordinator, [tmp_path / "r01.srpkg"])
    pooled = Workstation(coordinator).open(first, who)
    assert [(mk.item_id, mk.polarity) for mk in pooled.marks] == [("q1", "+")]
    assert pooled.no_anchor == {"q2": "between two anchors"}
