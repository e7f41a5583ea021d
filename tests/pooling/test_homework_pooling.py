"""Homework log entries written by team-2 raters on desktops travel in ratings packages to the coordinator."""

from __future__ import annotations

import itertools
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from rater.pooling import (
    PackageError,
    container,
    export_ratings,
    export_study,
    import_package,
    import_packages,
    import_study,
)
from rater.pooling.records import AUDIT_FIELDS
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.reports import homework

from .helpers import build_study, dump, queue, rate, rater_id


@dataclass
class Lab:
    coordinator: Database
    study_id: str
    package: Path
    sessions: list[str]  # P1 S1, P1 S2, P2 S1, P2 S2
    coordinator_entry: str  # written with homework.add_entry on the coordinator: it has an audit event there
    media: Path


def keep_log(db: Database, study_id: str, codes: tuple[str, ...] = ("R01", "R02")) -> None:
    """Move raters ``codes`` (and their assignments) to a second team, one that keeps the homework log."""
    with db.transaction() as s:
        team1 = s.scalar(select(m.Team).where(m.Team.study_id == study_id))
        team2 = m.Team(study_id=study_id, name="Team 2", keeps_homework_log=True)
        s.add(team2)
        s.flush()
        for ti in team1.instruments:
            s.add(m.TeamInstrument(team_id=team2.id, instrument_id=ti.instrument_id, session_min=ti.session_min,
                                   session_max=ti.session_max))
        for code in codes:
            rid = s.scalar(select(m.Rater.id).where(m.Rater.study_id == study_id, m.Rater.code == code))
            s.execute(delete(m.TeamMember).where(m.TeamMember.team_id == team1.id, m.TeamMember.rater_id == rid))
            s.add(m.TeamMember(team_id=team2.id, rater_id=rid))
            for a in s.scalars(select(m.Assignment).where(m.Assignment.rater_id == rid)):
                a.team_id = team2.id


def session_ids(db: Database) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(m.Session.id).join(m.Patient).order_by(m.Patient.code, m.Session.number)))


@pytest.fixture
def lab(make_db, media, tmp_path) -> Lab:
    coordinator = make_db("coordinator")
    study_id = build_study(coordinator, media, raters=3)
    keep_log(coordinator, study_id)
    sessions = session_ids(coordinator)
    entry = homework.add_entry(coordinator, sessions[1], "behavioural", "Walk 20 minutes a day").id
    package = tmp_path / "study.srpkg"
    export_study(coordinator, package, study_id)
    return Lab(coordinator, study_id, package, sessions, entry, media)


@pytest.fixture
def desktop(make_db, lab):
    def make(name: str, package: Path | None = None) -> Database:
        db = make_db(name)
        import_study(db, package or lab.package, media_root=lab.media)
        return db

    return make


def entries(db: Database) -> dict[str, tuple]:
    """Every homework entry: id → (session, kind, description, author, created_at)."""
    with db.reading() as s:
        return {h.id: (h.session_id, h.kind, h.description, h.author, h.created_at)
                for h in s.scalars(select(m.HomeworkEntry))}


def events(db: Database) -> list[dict]:
    """Every homework audit event, every column, in a stable order."""
    with db.reading() as s:
        rows = s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity == "homework"))
        return sorted(({k: getattr(e, k) for k in AUDIT_FIELDS} for e in rows), key=lambda e: (e["at"], e["id"]))


def homework_dump(db: Database) -> tuple[list, list]:
    return sorted(map(str, entries(db).items())), sorted(json.dumps(e, sort_keys=True, default=str) for e in events(db))


def entry_id(db: Database, description: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.HomeworkEntry.id).where(m.HomeworkEntry.description == description))


def coordinator_entry(db: Database, number: int) -> str:
    """The id of the entry build_study wrote for P1 session ``number`` (no audit event anywhere)."""
    return entry_id(db, f"Thought record 1/{number}")


def work(lab: Lab, desk: Database) -> dict[str, str]:
    """R01 adds, edits and deletes entries, edits the coordinator's entries; R02 adds one."""
    s1, s2 = lab.sessions[:2]
    r01, r02 = rater_id(desk, "R01"), rater_id(desk, "R02")
    kept = homework.add_entry(desk, s1, "cognitive", "Thought record on work stress", rater_id=r01).id
    homework.update_entry(desk, kept, "self_monitoring", "Mood diary, three times a day", rater_id=r01)
    gone = homework.add_entry(desk, s2, "other", "Typo entry", rater_id=r01).id
    homework.delete_entry(desk, gone, rater_id=r01)
    built = coordinator_entry(desk, 1)
    homework.update_entry(desk, built, "cognitive", "Thought record 1/1, two situations", rater_id=r01)
    homework.update_entry(desk, lab.coordinator_entry, "behavioural", "Walk 30 minutes a day", rater_id=r01)
    other = homework.add_entry(desk, s2, "behavioural", "Call a friend", rater_id=r02).id
    return {"kept": kept, "gone": gone, "built": built, "other": other}


def read(path: Path) -> tuple[dict, dict]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json")), json.loads(zf.read("ratings.json"))


def test_package_carries_the_raters_entries_with_their_history(lab, desktop, tmp_path):
    desk = desktop("desk1")
    ids = work(lab, desk)
    one = tmp_path / "r01.srpkg"
    done = export_ratings(desk, one, lab.study_id, "R01")
    assert done.homework == 4 and done.ratings == 0
    manifest, data = read(one)
    assert set(manifest["members"]) == {"ratings.json"} and manifest["summary"]["homework"] == 4
    assert manifest["format_version"] == container.FORMAT_VERSION
    with zipfile.ZipFile(one) as zf:
        assert container.sha256(zf.read("ratings.json")) == manifest["members"]["ratings.json"]["sha256"]
    by_id = {r["id"]: r for r in data["homework"]}
    assert set(by_id) == {ids["kept"], ids["gone"], ids["built"], lab.coordinator_entry}  # not R02's entry
    assert by_id[ids["gone"]]["deleted"] and [e["action"] for e in by_id[ids["gone"]]["events"]] == ["create",
                                                                                                     "delete"]
    kept = by_id[ids["kept"]]
    assert (kept["kind"], kept["description"], kept["author"]) == ("self_monitoring",
                                                                   "Mood diary, three times a day", "rater:R01")
    assert [e["action"] for e in kept["events"]] == ["create", "update"]
    assert [e["action"] for e in by_id[ids["built"]]["events"]] == ["update"]
    everyone = tmp_path / "all.srpkg"
    assert export_ratings(desk, everyone, lab.study_id).homework == 5
    assert {r["id"] for r in read(everyone)[1]["homework"]} == set(by_id) | {ids["other"]}
    # A rater outside the log-keeping team wrote nothing: nothing travels.
    assert export_ratings(desk, tmp_path / "r03.srpkg", lab.study_id, "R03").homework == 0


def test_coordinator_gets_the_entries_and_their_audit_events_once(lab, desktop, tmp_path):
    desk = desktop("desk1")
    ids = work(lab, desk)
    rate(desk, "R01", queue(desk, "R01")[0], {"q1": 2})
    package = tmp_path / "desk1.srpkg"
    export_ratings(desk, package, lab.study_id)
    coordinator = lab.coordinator
    coordinator_events = events(coordinator)
    (result,) = import_packages(coordinator, [package])
    assert result.status == "imported" and result.added == 1, result.summary()
    hw = result.homework
    assert (hw.added, hw.updated, hw.deleted, hw.conflicts) == (2, 2, 0, []), result.summary()
    assert "homework log: 2 new, 2 updated" in result.summary()
    here, there = entries(coordinator), entries(desk)
    assert ids["gone"] not in here
    for key in ("kept", "built", "other"):
        assert here[ids[key]] == there[ids[key]]
    assert here[lab.coordinator_entry] == there[lab.coordinator_entry]
    assert here[ids["kept"]][1:4] == ("self_monitoring", "Mood diary, three times a day", "rater:R01")
    assert here == there
    pooled = events(coordinator)
    assert Counter(e["id"] for e in pooled).most_common(1)[0][1] == 1
    desk_ids = {e["id"] for e in events(desk)}
    assert desk_ids <= {e["id"] for e in pooled}
    assert [e for e in pooled if e["id"] in desk_ids] == events(desk)  # every column as written on the desktop
    assert len(pooled) == len(coordinator_events) + len(desk_ids)
    # Importing again changes nothing and says so.
    before = (homework_dump(coordinator), dump(coordinator))
    again = import_package(coordinator, package)
    assert again.status == "unchanged" and not again.homework.changed and again.homework.unchanged == 5
    assert again.summary().startswith("unchanged")
    assert (homework_dump(coordinator), dump(coordinator)) == before


def test_deletions_and_later_edits_travel(lab, desktop, tmp_path):
    desk = desktop("desk1")
    r01 = rater_id(desk, "R01")
    entry = homework.add_entry(desk, lab.sessions[0], "cognitive", "Thought record", rater_id=r01).id
    export_ratings(desk, tmp_path / "p1.srpkg", lab.study_id, "R01")
    import_packages(lab.coordinator, [tmp_path / "p1.srpkg"])
    assert entry in entries(lab.coordinator)
    homework.update_entry(desk, entry, "cognitive", "Thought record, daily", rater_id=r01)
    export_ratings(desk, tmp_path / "p2.srpkg", lab.study_id, "R01")
    homework.delete_entry(desk, entry, rater_id=r01)
    export_ratings(desk, tmp_path / "p3.srpkg", lab.study_id, "R01")
    (second,) = import_packages(lab.coordinator, [tmp_path / "p2.srpkg"])
    assert second.homework.updated == 1 and entries(lab.coordinator)[entry][2] == "Thought record, daily"
    (third,) = import_packages(lab.coordinator, [tmp_path / "p3.srpkg"])
    assert third.homework.deleted == 1 and entry not in entries(lab.coordinator)
    assert [e["action"] for e in events(lab.coordinator) if e["entity_id"] == entry] == ["create", "update", "delete"]
    # An older package of the entry does not bring it back.
    (old,) = import_packages(lab.coordinator, [tmp_path / "p2.srpkg"])
    assert old.status == "unchanged" and entry not in entries(lab.coordinator)


def test_two_desktops_editing_one_entry_is_a_reported_conflict(lab, desktop, tmp_path):
    desk1, desk2 = desktop("desk1"), desktop("desk2")
    shared = coordinator_entry(desk1, 2)
    homework.update_entry(desk1, shared, "cognitive", "Edited on desk1", rater_id=rater_id(desk1, "R01"))
    homework.update_entry(desk2, shared, "other", "Edited on desk2", rater_id=rater_id(desk2, "R02"))
    # Also the entry the coordinator wrote through the log (its history starts here, not on the desktops).
    homework.update_entry(desk1, lab.coordinator_entry, "behavioural", "Walk, desk1", rater_id=rater_id(desk1, "R01"))
    homework.delete_entry(desk2, lab.coordinator_entry, rater_id=rater_id(desk2, "R02"))
    export_ratings(desk1, tmp_path / "d1.srpkg", lab.study_id)
    export_ratings(desk2, tmp_path / "d2.srpkg", lab.study_id)
    first, second = import_packages(lab.coordinator, [tmp_path / "d1.srpkg", tmp_path / "d2.srpkg"])
    assert first.homework.updated == 2 and not first.homework.conflicts, first.summary()
    kept = entries(lab.coordinator)
    stored_events = events(lab.coordinator)
    assert kept[shared][1:3] == ("cognitive", "Edited on desk1")
    assert kept[lab.coordinator_entry][2] == "Walk, desk1"
    notes = {note.entry_id: note for note in second.homework.conflicts}
    assert set(notes) == {shared, lab.coordinator_entry}
    assert second.status == "unchanged" and not second.conflicts  # no rating conflict, nothing stored
    assert notes[shared].incoming == {"kind": "other", "description": "Edited on desk2"}
    assert notes[shared].stored == {"kind": "cognitive", "description": "Edited on desk1"}
    assert notes[lab.coordinator_entry].incoming is None
    text = second.summary()
    assert "2 homework conflict(s)" in text and "P1 session 2" in text and "'Edited on desk2'" in text, text
    assert "kept the version here" in text
    assert entries(lab.coordinator) == kept and events(lab.coordinator) == stored_events
    # Importing the package again reports the conflicts again and still changes nothing.
    again = import_package(lab.coordinator, tmp_path / "d2.srpkg")
    assert {n.entry_id for n in again.homework.conflicts} == set(notes) and again.status == "unchanged"
    assert entries(lab.coordinator) == kept and events(lab.coordinator) == stored_events


def test_a_later_coordinator_edit_conflicts_with_a_desktop_edit(lab, desktop, tmp_path):
    desk = desktop("desk1")
    r01 = rater_id(desk, "R01")
    homework.update_entry(desk, lab.coordinator_entry, "behavioural", "Walk, first edit", rater_id=r01)
    export_ratings(desk, tmp_path / "p1.srpkg", lab.study_id, "R01")
    assert not import_package(lab.coordinator, tmp_path / "p1.srpkg").homework.conflicts
    homework.update_entry(desk, lab.coordinator_entry, "behavioural", "Walk, second edit", rater_id=r01)
    export_ratings(desk, tmp_path / "p2.srpkg", lab.study_id, "R01")
    # Continuing the desktop's own line of edits descends from what is stored.
    assert import_package(lab.coordinator, tmp_path / "p2.srpkg").homework.updated == 1
    homework.update_entry(lab.coordinator, lab.coordinator_entry, "other", "Coordinator's correction")
    homework.update_entry(desk, lab.coordinator_entry, "behavioural", "Walk, third edit", rater_id=r01)
    export_ratings(desk, tmp_path / "p3.srpkg", lab.study_id, "R01")
    result = import_package(lab.coordinator, tmp_path / "p3.srpkg")
    assert [n.entry_id for n in result.homework.conflicts] == [lab.coordinator_entry]
    assert entries(lab.coordinator)[lab.coordinator_entry][1:3] == ("other", "Coordinator's correction")


def test_any_order_of_packages_gives_the_same_entries(lab, desktop, make_db, tmp_path):
    desk1, desk2 = desktop("desk1"), desktop("desk2")
    r01, r02 = rater_id(desk1, "R01"), rater_id(desk2, "R02")
    a = homework.add_entry(desk1, lab.sessions[0], "cognitive", "First version", rater_id=r01).id
    b = homework.add_entry(desk1, lab.sessions[1], "other", "To be deleted", rater_id=r01).id
    homework.update_entry(desk1, lab.coordinator_entry, "behavioural", "Walk, desk1", rater_id=r01)
    early = tmp_path / "early.srpkg"
    export_ratings(desk1, early, lab.study_id, "R01")
    homework.update_entry(desk1, a, "cognitive", "Second version", rater_id=r01)
    homework.delete_entry(desk1, b, rater_id=r01)
    homework.update_entry(desk1, lab.coordinator_entry, "behavioural", "Walk, desk1 again", rater_id=r01)
    late = tmp_path / "late.srpkg"
    export_ratings(desk1, late, lab.study_id, "R01")
    homework.add_entry(desk2, lab.sessions[2], "self_monitoring", "Sleep diary", rater_id=r02)
    homework.update_entry(desk2, coordinator_entry(desk2, 1), "other", "Edited on desk2", rater_id=r02)
    other = tmp_path / "desk2.srpkg"
    export_ratings(desk2, other, lab.study_id)
    packages = [early, late, other]
    reference = None
    for n, order in enumerate(itertools.permutations(packages)):
        db = make_db(f"pool{n}")
        import_study(db, lab.package, verify=False)
        results = import_packages(db, list(order))
        assert all(r.status != "rejected" and not r.homework.conflicts for r in results), [r.summary() for r in results]
        state = homework_dump(db)
        if reference is None:
            reference = state
            pooled = entries(db)
            assert pooled[a][2] == "Second version" and b not in pooled
            assert pooled[lab.coordinator_entry][2] == "Walk, desk1 again"
        assert state == reference, [p.name for p in order]


def test_packages_without_homework_still_import(lab, desktop, tmp_path):
    desk = desktop("desk1")
    rate(desk, "R03", queue(desk, "R03")[0], {"q1": 1})
    package = tmp_path / "plain.srpkg"
    export_ratings(desk, package, lab.study_id)
    assert read(package)[1]["homework"] == []
    # A package written before homework travelled: no "homework" key at all.
    data = read(package)[1]
    del data["homework"]
    older = tmp_path / "older.srpkg"
    container.write_package(older, "ratings", data["study"], data)
    before = entries(lab.coordinator)
    first, second = import_packages(lab.coordinator, [older, package])
    assert (first.status, first.added, second.status) == ("imported", 1, "unchanged"), first.summary()
    assert entries(lab.coordinator) == before and "homework" not in first.summary()


def _rewritten(src: Path, dst: Path, change) -> Path:
    """The package with its content changed by ``change`` and a fresh, valid manifest."""
    _, data = read(src)
    change(data)
    container.write_package(dst, "ratings", data["study"], data)
    return dst


@pytest.mark.parametrize("change, match", [
    (lambda d: d["homework"][0].update(session_id="no-such-session"), "session this database does not have"),
    (lambda d: d["homework"][0]["events"][0].update(entity_id="someone-else"), "another entry's audit events"),
    (lambda d: d["homework"][0].update(events=[]), "without its history"),
    (lambda d: d["homework"][0].update(kind="homework"), "unknown type"),
    (lambda d: d.update(homework=[d["homework"][0], d["homework"][0]]), "homework entry twice"),
    (lambda d: d.update(homework={}), "no list of homework entries"),
])
def test_a_bad_homework_entry_refuses_the_whole_package(lab, desktop, tmp_path, change, match):
    desk = desktop("desk1")
    rate(desk, "R01", queue(desk, "R01")[0], {"q1": 1})
    homework.add_entry(desk, lab.sessions[0], "cognitive", "Thought record", rater_id=rater_id(desk, "R01"))
    package = tmp_path / "p.srpkg"
    export_ratings(desk, package, lab.study_id)
    bad = _rewritten(package, tmp_path / "bad.srpkg", change)
    before = (dump(lab.coordinator), homework_dump(lab.coordinator))
    with pytest.raises(PackageError, match=match):
        import_package(lab.coordinator, bad)
    assert (dump(lab.coordinator), homework_dump(lab.coordinator)) == before  # the rating was not imported either
