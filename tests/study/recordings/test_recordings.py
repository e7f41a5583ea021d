"""Importing recordings: scanning awkward folders, manifests, the import rules, media roots, the CLI."""

from __future__ import annotations

import argparse
import builtins
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.study import recordings as rec
from rater.study.errors import InvalidValue, NotFound
from rater.study.recordings.files import CHUNK

DEMO = RESOURCES / "demo"


def put(path: Path, data: bytes = b"fake media bytes") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def unreadable(path: Path, monkeypatch) -> None:
    """Make ``path`` unreadable; as root chmod does not stop reads, so ``open`` refuses it instead."""
    os.chmod(path, 0)
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        return
    real_open = builtins.open
    target = os.path.abspath(path)

    def guarded(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) == target:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)


@pytest.fixture
def study(db):
    with db.transaction() as s:
        row = m.Study(name="Homework study", code="HW")
        s.add(row)
    return row.id


def count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def recordings(db) -> list[tuple[str, int, str, int, str]]:
    with db.reading() as s:
        rows = s.execute(select(m.Patient.code, m.Session.number, m.Recording.kind, m.Recording.priority,
                                m.Recording.path).join(m.Session, m.Recording.session_id == m.Session.id)
                         .join(m.Session.patient).order_by(m.Patient.code, m.Session.number, m.Recording.priority))
        return [tuple(r) for r in rows]


# --- patterns -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("P012_S03.mp4", ("P012", 3)),
    ("P012_S3_audio.m4a", ("P012", 3)),
    ("p012-s03.MOV", ("P012", 3)),
    ("P012 S03 (copy).mp4", ("P012", 3)),
    ("notes.mp4", None),
    ("P012_S03x.mp4", None),
])
def test_default_pattern(name, expected):
    assert rec.compile_pattern().parse(name) == expected


def test_template_and_regular_expression_patterns():
    template = rec.compile_pattern("{patient}_S{session}")
    assert template.parse("P012_S03.mp4") == ("P012", 3)
    assert template.parse("p012-s3_audio.m4a") == ("P012", 3)  # separators match each other, any case
    assert template.parse("Müller_S2.mp4") == ("MÜLLER", 2)
    assert template.parse("x_P012_S03.mp4") is None  # a template matches the start of the name
    assert template.parse("P012_S03b.mp4") is None
    assert rec.compile_pattern("Studie*{patient} Sitzung {session}").parse("Studie 2 K07 Sitzung 11.wav") == ("K07", 11)
    regex = rec.compile_pattern(r"pat(?P<patient>\d+)_sess(?P<session>\d+)")
    assert regex.parse("2024_pat7_sess12_final.mp4") == ("7", 12)


@pytest.mark.parametrize("bad", ["{patient}_S", "{patient}_{visit}", "(?P<patient>P\\d+", "P\\d+_S\\d+"])
def test_unusable_patterns_are_refused_with_a_reason(bad):
    with pytest.raises(rec.PatternError, match=r"\{|pattern"):
        rec.compile_pattern(bad)


# --- scanning -----------------------------------------------------------------------------------------


def awkward_folder(root: Path, monkeypatch) -> Path:
    put(root / "P012_S03.mp4")
    put(root / "P012_S3_audio.m4a", b"audio bytes")
    put(root / "nested" / "deeper" / "p013-s01.MOV", b"mov")
    put(root / "Séance ü" / "P014_S02 é.mp4", b"unicode")
    put(root / "P015_S01.mp4", b"one")
    put(root / "backup" / "P015_S01.mkv", b"two")
    put(root / "P016_S01.mp4", b"")
    put(root / "notes.mp4", b"unmatched")
    put(root / "readme.txt", b"text")
    put(root / ".DS_Store", b"mac")
    put(root / "._P012_S03.mp4", b"appledouble")
    put(root / ".hidden" / "P099_S01.mp4", b"hidden")
    unreadable(put(root / "P017_S01.mp4", b"secret"), monkeypatch)
    return root


def test_scan_sorts_every_file_into_exactly_one_list(tmp_path, monkeypatch):
    root = awkward_folder(tmp_path / "media", monkeypatch)
    report = rec.scan_folder(root)
    matched = {(e.patient, e.session, e.kind): e.source for e in report.matched}
    assert matched == {
        ("P012", 3, "video"): "P012_S03.mp4",
        ("P012", 3, "audio"): "P012_S3_audio.m4a",
        ("P013", 1, "video"): "nested/deeper/p013-s01.MOV",
        ("P014", 2, "video"): "Séance ü/P014_S02 é.mp4",
    }
    assert [e.size for e in report.matched if e.patient == "P012" and e.kind == "audio"] == [11]
    [group] = report.duplicates
    assert (group.patient, group.session, group.kind) == ("P015", 1, "video")
    assert [e.source for e in group.entries] == ["P015_S01.mp4", "backup/P015_S01.mkv"]
    assert [i.path.name for i in report.empty] == ["P016_S01.mp4"]
    assert [i.path.name for i in report.unmatched] == ["notes.mp4"]
    assert [i.path.name for i in report.unreadable] == ["P017_S01.mp4"]
    assert "cannot be read" in report.unreadable[0].reason
    assert [p.name for p in report.ignored] == ["readme.txt"]
    assert sorted(p.name for p in report.hidden) == [".DS_Store", "._P012_S03.mp4", ".hidden"]
    listed = (len(report.matched) + sum(len(g.entries) for g in report.duplicates) + len(report.empty)
              + len(report.unmatched) + len(report.unreadable) + len(report.ignored) + len(report.hidden))
    files = [p for p in root.rglob("*") if p.is_file() and ".hidden" not in p.relative_to(root).parts]
    assert listed == len(files) + 1  # + the hidden folder, listed once


def test_a_duplicate_is_imported_only_once_the_user_picks_it(tmp_path):
    put(tmp_path / "P015_S01.mp4", b"one")
    put(tmp_path / "backup" / "P015_S01.mkv", b"two")
    report = rec.scan_folder(tmp_path)
    assert report.matched == []
    chosen = report.choose(tmp_path / "backup" / "P015_S01.mkv")
    assert report.matched == [chosen] and report.duplicates == []
    with pytest.raises(NotFound):
        report.choose(tmp_path / "P015_S01.mp4")


def test_scanning_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(NotFound):
        rec.scan_folder(tmp_path / "nope")


# --- manifests ----------------------------------------------------------------------------------------


def test_manifest_rows_become_entries(tmp_path):
    put(tmp_path / "files" / "a.mp4")
    put(tmp_path / "files" / "a.wav", b"wav")
    put(tmp_path / "other.bin", b"bin")
    manifest = tmp_path / "list.csv"
    manifest.write_text("\ufeffPatient;Session;Path;Kind;Date;Priority\n"
                        "P1;3;files/a.mp4;;2026-01-05;\n"
                        "P1;S03;files/a.wav;AUDIO;;\n"
                        "\n"
                        "P2;1;other.bin;video;;2\n", encoding="utf-8")
    entries = rec.read_manifest(manifest)
    assert [(e.patient, e.session, e.kind, e.priority, e.source) for e in entries] == [
        ("P1", 3, "video", None, "line 2"), ("P1", 3, "audio", None, "line 3"), ("P2", 1, "video", 2, "line 5")]
    assert entries[0].date.isoformat() == "2026-01-05"
    assert entries[0].path == tmp_path / "files" / "a.mp4"


def test_manifest_paths_are_found_under_the_media_root_too(tmp_path):
    put(tmp_path / "root" / "x" / "P1_S1.mp4")
    manifest = tmp_path / "lists" / "m.csv"
    manifest.parent.mkdir()
    manifest.write_text("patient,session,path\nP1,1,x/P1_S1.mp4\n")
    [entry] = rec.read_manifest(manifest, media_root=tmp_path / "root")
    assert entry.path == tmp_path / "root" / "x" / "P1_S1.mp4"


def test_every_bad_manifest_row_is_reported_with_its_line(tmp_path, monkeypatch):
    put(tmp_path / "a.mp4")
    put(tmp_path / "b.mp4", b"b")
    put(tmp_path / "empty.mp4", b"")
    put(tmp_path / "notes.txt", b"t")
    unreadable(put(tmp_path / "locked.mp4", b"l"), monkeypatch)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "patient,session,path,kind,date,priority\n"
        "P1,1,a.mp4,,,\n"            # 2 fine
        "P1,one,b.mp4,,,\n"          # 3 bad session
        "P1,2,missing.mp4,,,\n"      # 4 missing file
        "P1,3,b.mp4,film,,\n"        # 5 unknown kind
        "P1,1,b.mp4,,,\n"            # 6 P1 S1 video twice
        "P2,1,a.mp4,,,\n"            # 7 the same file twice
        "P2,2,empty.mp4,,,\n"        # 8 empty
        "P2,3,notes.txt,,,\n"        # 9 not media, no kind
        "P2,4,b.mp4,,5.1.2026,\n"    # 10 bad date
        "P2,5,b.mp4,,,-1\n"          # 11 bad priority
        ",6,b.mp4,,,\n"              # 12 no patient
        "P2,7,locked.mp4,,,\n"       # 13 unreadable
    )
    with pytest.raises(rec.ManifestError) as caught:
        rec.read_manifest(manifest)
    problems = {p.line: p.message for p in caught.value.problems}
    assert sorted(problems) == list(range(3, 14))
    assert "not a session number" in problems[3]
    assert "file not found: missing.mp4" in problems[4]
    assert "kind 'film' is unknown" in problems[5]
    assert "line 2" in problems[6] and "line 2" in problems[7]
    assert "empty" in problems[8]
    assert "not a known media type" in problems[9]
    assert "YYYY-MM-DD" in problems[10]
    assert "priority" in problems[11]
    assert "patient code is empty" in problems[12]
    assert "cannot be read" in problems[13]
    assert "nothing was imported" in str(caught.value)


def test_manifest_without_required_columns(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("patient,file\nP1,a.mp4\n")
    with pytest.raises(rec.ManifestError) as caught:
        rec.read_manifest(manifest)
    [problem] = caught.value.problems
    assert problem.line == 1 and "session, path" in problem.message


# --- importing ----------------------------------------------------------------------------------------


def test_import_creates_sessions_stores_relative_paths_and_is_idempotent(db, study, tmp_path):
    root = tmp_path / "media"
    video = put(root / "site A" / "P012_S03.mp4", os.urandom(3 * CHUNK + 5))
    put(root / "site A" / "P012_S3_audio.m4a", b"audio")
    put(root / "Séance" / "P013_S01.mp4", b"video 2")
    calls = []
    report = rec.import_recordings(db, study, rec.scan_folder(root).matched, root,
                                   progress=lambda *a: calls.append(a), prober=None)
    assert len(report.imported) == 3 and not report.cancelled
    assert sorted(report.created_patients) == ["P012", "P013"]
    assert sorted(report.created_sessions) == [("P012", 3), ("P013", 1)]
    assert recordings(db) == [
        ("P012", 3, "video", 0, "site A/P012_S03.mp4"),
        ("P012", 3, "audio", 1, "site A/P012_S3_audio.m4a"),
        ("P013", 1, "video", 0, "Séance/P013_S01.mp4"),
    ]
    with db.reading() as s:
        row = s.scalars(select(m.Recording).where(m.Recording.path == "site A/P012_S03.mp4")).one()
        assert row.size == video.stat().st_size
        assert row.checksum == hashlib.sha256(video.read_bytes()).hexdigest()
        assert row.duration_ms is None
        events = s.scalars(select(m.AuditEvent.entity).where(m.AuditEvent.study_id == study)).all()
    assert sorted(events) == ["patient"] * 2 + ["recording"] * 3 + ["session"] * 2
    assert len(report.duration_unknown) == 3  # not probed: listed, not dropped
    total = sum(e.stat().st_size for e in root.rglob("*.m*"))
    assert calls[-1] == (total, total, "")
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert sum(1 for c in calls if c[2] == "site A/P012_S03.mp4") >= 4  # moves inside a big file

    again = rec.import_recordings(db, study, rec.scan_folder(root).matched, root, prober=None)
    assert again.imported == [] and len(again.skipped) == 3
    assert count(db, m.Recording) == 3 and count(db, m.Session) == 2


def test_existing_only_leaves_unknown_sessions_out(db, study, tmp_path):
    with db.transaction() as s:
        patient = m.Patient(id=m.new_id(), study_id=study, code="p012")
        s.add_all([patient, m.Session(patient_id=patient.id, number=3)])
    put(tmp_path / "P012_S03.mp4")
    put(tmp_path / "P012_S04.mp4", b"other")
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path,
                                   create_missing=False, prober=None)
    assert [(r.patient, r.session) for r in report.imported] == [("P012", 3)]
    assert [i.path.name for i in report.not_in_study] == ["P012_S04.mp4"]
    assert count(db, m.Patient) == 1 and count(db, m.Session) == 1


def test_same_content_under_another_path_is_a_duplicate(db, study, tmp_path):
    put(tmp_path / "P001_S01.mp4", b"same bytes")
    rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=None)
    put(tmp_path / "later" / "P002_S01.mp4", b"same bytes")
    put(tmp_path / "later" / "P003_S01.mp4", b"twin")
    put(tmp_path / "later" / "P004_S01.mp4", b"twin")
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path / "later").matched, tmp_path,
                                   prober=None)
    assert report.imported == []
    reasons = {i.path.name: i.reason for i in report.duplicates}
    assert "already imported as P001_S01.mp4" in reasons["P002_S01.mp4"]
    assert "neither imported" in reasons["P003_S01.mp4"] and "neither imported" in reasons["P004_S01.mp4"]


def test_changed_file_and_taken_slot_are_conflicts(db, study, tmp_path):
    put(tmp_path / "old" / "P001_S01.mp4", b"first")
    rec.import_recordings(db, study, rec.scan_folder(tmp_path / "old").matched, tmp_path, prober=None)
    put(tmp_path / "old" / "P001_S01.mp4", b"edited")
    put(tmp_path / "new" / "P001_S01.mkv", b"another video of the same session")
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path / "old").matched
                                   + rec.scan_folder(tmp_path / "new").matched, tmp_path, prober=None)
    reasons = {i.path.name: i.reason for i in report.conflicts}
    assert "changed since it was imported" in reasons["P001_S01.mp4"]
    assert "already has a video recording: old/P001_S01.mp4" in reasons["P001_S01.mkv"]
    assert count(db, m.Recording) == 1


def test_cancel_leaves_the_database_untouched(db, study, tmp_path):
    for i in range(3):
        put(tmp_path / f"P00{i}_S01.mp4", os.urandom(2 * CHUNK))
    before = count(db, m.AuditEvent)
    seen = []
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path,
                                   progress=lambda done, total, name: seen.append(done),
                                   cancel=lambda: bool(seen) and seen[-1] >= 3 * CHUNK, prober=None)
    assert report.cancelled and report.imported == []
    assert count(db, m.Patient) == count(db, m.Session) == count(db, m.Recording) == 0
    assert count(db, m.AuditEvent) == before


def test_a_file_unreadable_at_import_is_listed_and_the_rest_imported(db, study, tmp_path, monkeypatch):
    put(tmp_path / "P001_S01.mp4")
    locked = put(tmp_path / "P002_S01.mp4", b"x")
    entries = rec.scan_folder(tmp_path).matched
    unreadable(locked, monkeypatch)
    report = rec.import_recordings(db, study, entries, tmp_path, prober=None)
    assert [r.patient for r in report.imported] == ["P001"]
    assert [i.path.name for i in report.unreadable] == ["P002_S01.mp4"]


def test_files_outside_the_media_root_are_stored_absolute(db, study, tmp_path):
    (tmp_path / "root").mkdir()
    outside = put(tmp_path / "elsewhere" / "P001_S01.mp4")
    rec.import_recordings(db, study, rec.scan_folder(outside.parent).matched, tmp_path / "root", prober=None)
    assert recordings(db)[0][4] == str(outside)


def test_durations_are_probed_and_audio_only_video_becomes_audio(db, study, tmp_path, monkeypatch):
    probe = pytest.importorskip("rater.media.probe")
    try:
        probe.probe(DEMO / "demo_closing_clip.mp4")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"recordings cannot be probed here (no libVLC, no ffprobe): {exc}")
    shutil.copy(DEMO / "demo_closing_clip.mp4", tmp_path / "P001_S01.mp4")
    shutil.copy(DEMO / "demo_mood_check.m4a", tmp_path / "P002_S01.mp4")  # audio in a video container
    put(tmp_path / "P003_S01.mp4", b"not really a video")
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=probe.probe)
    got = {(r.patient, r.kind, r.priority): r.duration_ms for r in report.imported}
    assert got[("P001", "video", 0)] == pytest.approx(4800, abs=100)
    assert got[("P002", "audio", 1)] == pytest.approx(26225, abs=100)
    assert ("P003", "video", 0) not in got  # will not play: listed, not imported
    assert [i.path.name for i in report.undecodable] == ["P003_S01.mp4"] and report.duration_unknown == []

    probed = []

    def counting_probe(path):
        probed.append(Path(path).name)
        raise probe.MediaError("not media")

    monkeypatch.setattr(probe, "probe", counting_probe)
    again = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=probe.probe)
    assert len(again.skipped) == 2 and again.imported == []
    assert probed == ["P003_S01.mp4"]  # files with a known duration are not probed again
    assert [(i.path.name, i.reason) for i in again.undecodable] == [("P003_S01.mp4", "not media")]


def test_a_reimport_records_a_duration_that_was_unknown(db, study, tmp_path, monkeypatch):
    probe = pytest.importorskip("rater.media.probe")
    from rater.media.base import MediaInfo

    put(tmp_path / "P001_S01.mp4")
    rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=None)
    monkeypatch.setattr(probe, "probe", lambda path: MediaInfo(61_000, True, True))
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=probe.probe)
    assert [i.reason for i in report.skipped] == ["already imported (duration recorded now)"]
    with db.reading() as s:
        assert s.scalars(select(m.Recording.duration_ms)).one() == 61_000


def test_reimport_fills_in_the_checksum_of_an_older_row(db, study, tmp_path):
    video = put(tmp_path / "P001_S01.mp4", b"imported before checksums were kept")
    with db.transaction() as s:
        patient = m.Patient(id=m.new_id(), study_id=study, code="P001")
        session = m.Session(id=m.new_id(), patient_id=patient.id, number=1)
        s.add_all([patient, session, m.Recording(session_id=session.id, path="P001_S01.mp4", kind="video")])
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=None)
    assert [i.reason for i in report.skipped] == ["already imported (checksum recorded now)"]
    with db.reading() as s:
        row = s.scalars(select(m.Recording)).one()
        fields = set(s.scalars(select(m.AuditEvent.field).where(m.AuditEvent.entity_id == row.id)))
    assert row.checksum == hashlib.sha256(video.read_bytes()).hexdigest() and row.size == video.stat().st_size
    assert fields == {"checksum", "size"}


def test_a_new_file_beside_an_imported_one_for_the_same_slot_is_a_conflict(db, study, tmp_path):
    put(tmp_path / "P001_S01.mp4", b"first")
    rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=None)
    put(tmp_path / "P001_S01.mov", b"second")
    scan = rec.scan_folder(tmp_path)
    assert len(scan.duplicates) == 1  # the scan cannot know which one is imported …
    entries = [e for group in scan.duplicates for e in group.entries]
    report = rec.import_recordings(db, study, entries, tmp_path, prober=None)
    assert [i.path.name for i in report.skipped] == ["P001_S01.mp4"]  # … the import does
    assert [i.path.name for i in report.conflicts] == ["P001_S01.mov"]


# --- media root and verification -------------------------------------------------------------------


def test_set_media_root_is_checked_and_audited(db, study, tmp_path):
    with pytest.raises(InvalidValue):
        rec.set_media_root(db, study, tmp_path / "missing")
    rec.set_media_root(db, study, tmp_path)
    with db.reading() as s:
        assert s.get(m.Study, study).settings["media_root"] == str(tmp_path)
        event = s.scalars(select(m.AuditEvent).where(m.AuditEvent.field == "settings.media_root")).one()
    assert event.old is None and event.new == str(tmp_path)


def test_verify_finds_missing_moved_and_changed_files(db, study, tmp_path):
    root = tmp_path / "share"
    for name in ("P001_S01.mp4", "P002_S01.mp4", "P003_S01.mp4", "P004_S01.m4a"):
        put(root / name, name.encode() * 1000)
    rec.set_media_root(db, study, root)
    rec.import_recordings(db, study, rec.scan_folder(root).matched, prober=None)
    assert rec.verify_recordings(db, study) == []

    moved_root = tmp_path / "mounted elsewhere"
    root.rename(moved_root)
    problems = rec.verify_recordings(db, study)
    assert [p.problem for p in problems] == ["missing"] * 4
    assert "does not exist" in problems[0].detail

    rec.set_desktop_media_root(db, study, moved_root)  # this desktop mounts the share elsewhere
    assert rec.verify_recordings(db, study) == []

    put(moved_root / "P001_S01.mp4", b"re-encoded")
    put(moved_root / "P002_S01.mp4", b"P002_S01.mp4" * 999 + b"X" * 12)  # same size, other content
    put(moved_root / "sorted" / "P003_S01.mp4", (moved_root / "P003_S01.mp4").read_bytes())
    (moved_root / "P003_S01.mp4").unlink()
    (moved_root / "P004_S01.m4a").unlink()
    calls = []
    problems = {p.patient: p for p in rec.verify_recordings(db, study, progress=lambda *a: calls.append(a))}
    assert {k: p.problem for k, p in problems.items()} == {
        "P001": "changed", "P002": "changed", "P003": "moved", "P004": "missing"}
    assert problems["P003"].found_at == moved_root / "sorted" / "P003_S01.mp4"
    assert calls[-1][0] == calls[-1][1]

    rec.set_desktop_media_root(db, study, None)  # back to the study's own (now missing) root
    assert {p.problem for p in rec.verify_recordings(db, study)} == {"missing"}


# --- command line -------------------------------------------------------------------------------------


def cli(*argv: str) -> int:
    from rater.commands.recordings import add_import_recordings_parser

    parser = argparse.ArgumentParser(prog="rater")
    study_parser = parser.add_subparsers(dest="command").add_parser("study")
    add_import_recordings_parser(study_parser.add_subparsers(dest="study_command"))
    args = parser.parse_args(["study", "import-recordings", *argv])
    return args.handler(args)


def test_cli_dry_run_import_and_reimport(db, study, tmp_path, capsys):
    folder = tmp_path / "media"
    put(folder / "P012_S03.mp4")
    put(folder / "notes.mp4", b"n")
    put(folder / "P015_S01.mp4", b"1")
    put(folder / "b" / "P015_S01.mov", b"2")
    url = db.url
    assert cli("--db", url, "--dry-run", str(folder)) == 0
    out = capsys.readouterr().out
    assert "1 matched, 1 unmatched, 1 duplicate group(s)" in out
    assert "notes.mp4" in out and "P015_S01.mp4, b/P015_S01.mov" in out and "nothing was imported" in out
    assert count(db, m.Recording) == 0

    assert cli("--db", url, "--no-probe", str(folder)) == 0
    captured = capsys.readouterr()
    assert "imported 1, skipped 0" in captured.out and "P012 S3 video" in captured.out
    assert "checksums: 100.0%" in captured.err
    assert f"media root of the study: {folder}" in captured.out
    assert recordings(db) == [("P012", 3, "video", 0, "P012_S03.mp4")]

    assert cli("--db", url, "--study", "hw", "--no-probe", str(folder)) == 0
    assert "imported 0, skipped 1" in capsys.readouterr().out


def test_cli_refuses_a_bad_manifest_and_an_empty_folder(db, study, tmp_path, capsys):
    manifest = tmp_path / "m.csv"
    manifest.write_text("patient,session,path\nP1,x,nope.mp4\n")
    assert cli("--db", db.url, "--manifest", str(manifest)) == 1
    err = capsys.readouterr().err
    assert "line 2: session 'x'" in err and "line 2: file not found" in err
    (tmp_path / "empty").mkdir()
    assert cli("--db", db.url, str(tmp_path / "empty")) == 1
    assert count(db, m.Recording) == 0


def test_cli_imports_a_manifest_relative_to_a_given_media_root(db, study, tmp_path, capsys):
    root = tmp_path / "share"
    put(root / "x" / "anything.wav", b"w")
    manifest = tmp_path / "lists" / "m.csv"
    manifest.parent.mkdir()
    manifest.write_text("patient,session,path,date\nK07,2,x/anything.wav,2026-03-01\n")
    assert cli("--db", db.url, "--manifest", str(manifest), "--media-root", str(root), "--no-probe") == 0
    assert "K07 S2 audio priority 1 x/anything.wav" in capsys.readouterr().out
    assert recordings(db) == [("K07", 2, "audio", 1, "x/anything.wav")]
    with db.reading() as s:
        assert s.scalars(select(m.Session.date)).one().isoformat() == "2026-03-01"
        assert s.scalars(select(m.Study)).one().settings["media_root"] == str(root)


def test_cli_needs_a_study_choice_when_there_are_several(db, study, tmp_path, capsys):
    with db.transaction() as s:
        s.add(m.Study(name="Other", code="OT"))
    put(tmp_path / "P1_S1.mp4")
    assert cli("--db", db.url, str(tmp_path)) == 1
    assert "HW, OT" in capsys.readouterr().err


def test_the_recording_core_needs_neither_qt_nor_vlc():
    code = ("import sys, rater.study.recordings, rater.commands.recordings; "
            "bad = [n for n in ('PySide6', 'vlc') if n in sys.modules]; sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
