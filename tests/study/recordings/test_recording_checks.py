"""Recordings that will not play, and file names that are not text, are listed and not imported.

The corrupt files are real: a 5 KB head of a recording whose index is at the
end, a text file renamed ``.mp4``, and a recording with its index at the
front whose data stops after 60 KB (it parses, and plays its first seconds).
They are made at test time from the shipped demo recordings.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.study import recordings as rec
from tests.study.recordings import test_recordings
from tests.study.recordings.test_recordings import cli

study = test_recordings.study  # the same fixture: a study to import into

DEMO = RESOURCES / "demo"
LATIN1_NAME = os.fsdecode(b"P002_S01_\xe9t\xe9.mp3")  # "été" written by a Latin-1 system


@pytest.fixture
def vlc_probe():
    probe = pytest.importorskip("rater.media.probe")
    if probe._vlc_parser() is None:
        pytest.skip("libVLC is not installed: only ffprobe's container check is available")
    return probe


def test_every_shipped_recording_decodes(vlc_probe):
    # Short (4.8 s), long, audio-only: none may be mistaken for a broken file.
    lengths = {p.name: vlc_probe.probe(p).duration_ms for p in sorted(DEMO.iterdir()) if p.suffix != ".py"
               and p.suffix != ".md"}
    assert lengths == {"demo_closing_clip.mp4": 4800, "demo_homework_review.mp4": 59000,
                       "demo_mood_check.m4a": 26225, "demo_thought_record.mp3": pytest.approx(57600, abs=200)}


def boxes(data: bytes) -> dict[bytes, bytes]:
    """Top-level MP4 boxes by type."""
    out, i = {}, 0
    while i < len(data):
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        out[kind] = data[i:i + size]
        i += size
    return out


def index_first(recording: Path) -> bytes:
    """The recording rewritten with its index (moov) before the data, chunk offsets moved to match."""
    top = boxes(recording.read_bytes())
    moov = bytearray(top[b"moov"])
    shift = len(moov)

    def walk(start: int, end: int) -> None:
        i = start
        while i < end:
            size, kind = struct.unpack(">I4s", moov[i:i + 8])
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                walk(i + 8, i + size)
            elif kind == b"stco":
                count = struct.unpack(">I", moov[i + 12:i + 16])[0]
                for k in range(count):
                    at = i + 16 + 4 * k
                    moov[at:at + 4] = struct.pack(">I", struct.unpack(">I", moov[at:at + 4])[0] + shift)
            i += size

    walk(0, len(moov))
    return top[b"ftyp"] + bytes(moov) + top[b"free"] + top[b"mdat"]


def make_folder(folder: Path) -> None:
    folder.mkdir()
    shutil.copy(DEMO / "demo_homework_review.mp4", folder / "P001_S01.mp4")
    (folder / "P003_S01.mp4").write_bytes((DEMO / "demo_homework_review.mp4").read_bytes()[:5 * 1024])
    (folder / "P004_S01.mp4").write_text("Session notes, not a video.\n", encoding="utf-8")
    whole = index_first(DEMO / "demo_homework_review.mp4")
    (folder / "P005_S01.mp4").write_bytes(whole)
    (folder / "P006_S01.mp4").write_bytes(whole[:len(whole) - len(boxes(whole)[b"mdat"]) + 60_000])


def recording_rows(db) -> list[tuple[str, int | None]]:
    with db.reading() as s:
        return [tuple(r) for r in s.execute(select(m.Recording.path, m.Recording.duration_ms)
                                            .order_by(m.Recording.path))]


def test_corrupt_and_truncated_recordings_are_listed_and_not_imported(db, study, tmp_path, vlc_probe):
    folder = tmp_path / "media"
    make_folder(folder)
    report = rec.import_recordings(db, study, rec.scan_folder(folder).matched, folder, prober=rec.media_prober())
    assert sorted(r.path for r in report.imported) == ["P001_S01.mp4", "P005_S01.mp4"]
    reasons = {i.path.name: i.reason for i in report.undecodable}
    assert reasons == {
        "P003_S01.mp4": "The recording could not be decoded — it may be corrupt or truncated",
        "P004_S01.mp4": "The recording could not be decoded — it may be corrupt or truncated",
        "P006_S01.mp4": "The recording breaks off before its end (nothing plays at 53 s of 59 s) — "
                        "it may be an incomplete copy",
    }
    assert report.duration_unknown == []
    assert recording_rows(db) == [("P001_S01.mp4", 59000), ("P005_S01.mp4", 59000)]
    with db.reading() as s:  # nothing half-made for the refused files either
        assert s.scalar(select(func.count()).select_from(m.Patient)) == 2


def test_nothing_to_probe_with_imports_with_the_duration_unknown(db, study, tmp_path, monkeypatch):
    probe = pytest.importorskip("rater.media.probe")
    monkeypatch.setattr(probe, "_vlc_parser", lambda: None)
    monkeypatch.setattr(probe.shutil, "which", lambda name: None)
    shutil.copy(DEMO / "demo_closing_clip.mp4", tmp_path / "P001_S01.mp4")
    report = rec.import_recordings(db, study, rec.scan_folder(tmp_path).matched, tmp_path, prober=probe.probe)
    assert [r.duration_ms for r in report.imported] == [None]
    assert [i.reason for i in report.duration_unknown] == [
        "duration unknown (Recordings cannot be inspected: neither libVLC nor ffprobe is installed.)"]


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="these file systems refuse names that are not text")
def test_a_file_name_that_is_not_utf8_is_listed_and_the_rest_imported(db, study, tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "P001_S01.mp4").write_bytes(b"first")
    (folder / LATIN1_NAME).write_bytes(b"second")
    (folder / os.fsdecode(b"caf\xe9")).mkdir()
    (folder / os.fsdecode(b"caf\xe9") / "P003_S01.mp4").write_bytes(b"third")
    scan = rec.scan_folder(folder)
    assert [e.path.name for e in scan.matched] == ["P001_S01.mp4"]
    assert sorted(rec.display_path(i.path, folder) for i in scan.unreadable) == [
        "P002_S01_\\xe9t\\xe9.mp3", "caf\\xe9/P003_S01.mp4"]
    assert all("is not UTF-8 text and cannot be stored; rename the file (or its folder)" in i.reason
               for i in scan.unreadable)
    report = rec.import_recordings(db, study, scan.matched, folder, prober=None)
    assert [r.path for r in report.imported] == ["P001_S01.mp4"]


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="these file systems refuse names that are not text")
def test_the_cli_imports_a_folder_with_a_latin1_name_every_time(db, study, tmp_path, capsys):
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "P001_S01.mp4").write_bytes(b"first")
    (folder / LATIN1_NAME).write_bytes(b"second")
    for attempt in range(2):
        assert cli("--db", db.url, "--no-probe", str(folder)) == 0
        out = capsys.readouterr().out
        assert 'P002_S01_\\xe9t\\xe9.mp3: the name "P002_S01_\\xe9t\\xe9.mp3" is not UTF-8 text' in out
        assert ("imported 1, skipped 0" if attempt == 0 else "imported 0, skipped 1") in out
    assert recording_rows(db) == [("P001_S01.mp4", None)]


def test_cli_lists_recordings_that_will_not_play(db, study, tmp_path, capsys, vlc_probe):
    folder = tmp_path / "media"
    make_folder(folder)
    assert cli("--db", db.url, str(folder)) == 0
    out = capsys.readouterr().out
    assert "imported 2," in out and "3 that will not play" in out
    assert "will not play (corrupt or incomplete), not imported (3):\n  P003_S01.mp4: The recording could not" in out


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="these file systems refuse names that are not text")
def test_a_moved_file_in_a_folder_named_in_latin1_is_not_offered_as_its_new_place(db, study, tmp_path):
    root = tmp_path / "share"
    root.mkdir()
    (root / "P001_S01.mp4").write_bytes(b"first" * 100)
    rec.set_media_root(db, study, root)
    rec.import_recordings(db, study, rec.scan_folder(root).matched, prober=None)
    odd = root / os.fsdecode(b"d\xe9plac\xe9")
    odd.mkdir()
    (root / "P001_S01.mp4").rename(odd / "P001_S01.mp4")
    problems = rec.verify_recordings(db, study)
    assert [(p.problem, p.found_at) for p in problems] == [("missing", None)]
    assert problems[0].detail.endswith(f"a file of that name is at {root}/d\\xe9plac\\xe9/P001_S01.mp4, whose "
                                       "folder name is not UTF-8 text: rename the folder")
