"""Importing recordings through the Recordings screen, with the checksums in a worker thread."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from rater.storage import models as m
from rater.study.recordings import importing as recordings_import
from rater.study.recordings.files import Cancelled
from rater.study.reports import overview
from rater.ui.coordinator.recordings.screen import RecordingsScreen


def make_folder(tmp_path):
    folder = tmp_path / "recordings"
    (folder / "week2").mkdir(parents=True)
    (folder / "P101_S01.mp4").write_bytes(b"video one" * 1000)
    (folder / "week2" / "p101-s3.m4a").write_bytes(b"audio three" * 1000)
    (folder / "P100_S02.mp4").write_bytes(b"another patient" * 1000)
    (folder / "interview notes.mp4").write_bytes(b"no session in the name")
    (folder / "D02_S01.mp4").write_bytes(b"")
    (folder / "readme.txt").write_text("not media")
    return folder


def recordings(db) -> dict[str, tuple[str, int, str]]:
    with db.reading() as s:
        rows = s.execute(select(m.Recording.path, m.Patient.code, m.Session.number, m.Recording.kind)
                         .join(m.Session, m.Session.id == m.Recording.session_id).join(m.Patient))
        return {path: (code, number, kind) for path, code, number, kind in rows}


def test_folder_import_runs_in_a_worker_and_reports_every_file(qtbot, coordinator, db, tmp_path):
    folder = make_folder(tmp_path)
    screen = coordinator.show_screen(RecordingsScreen)
    screen.source.setText(str(folder))
    screen.media_root.setText(str(tmp_path))
    screen.probe.setChecked(False)  # the files are not real media; lengths are not needed here
    gui_thread = threading.get_ident()
    threads = []
    original = recordings_import.hash_file

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return original(*args, **kwargs)

    recordings_import.hash_file = spy
    try:
        screen.scan_button.click()
        reasons = [screen.preview.item(r, 5).text() for r in range(screen.preview.rowCount())]
        assert reasons.count("") == 3 and "name does not match the pattern" in reasons
        assert screen.preview_label.text().startswith("3 file(s) match the pattern; 2 cannot be imported")
        screen.import_button.click()
        assert screen.run.dialog.isVisible()
        qtbot.waitUntil(lambda: screen.last_report is not None, timeout=10_000)
    finally:
        recordings_import.hash_file = original
    assert threads and gui_thread not in threads  # checksums never ran on the GUI thread
    stored = recordings(db)  # relative to the media root, which the study now keeps
    assert stored["recordings/P101_S01.mp4"] == ("P101", 1, "video")
    assert stored["recordings/week2/p101-s3.m4a"] == ("P101", 3, "audio")
    assert stored["recordings/P100_S02.mp4"] == ("P100", 2, "video")
    assert overview.study_overview(db, coordinator.ctx.study_id).media_root == str(tmp_path)
    report = screen.last_report.text()
    assert report.startswith("3 recording(s) imported")
    assert "interview notes.mp4 — name does not match the pattern" in report
    assert "D02_S01.mp4 — empty file (0 bytes)" in report
    assert "Unmatched (name does not fit the pattern) (1)" in report and "Empty (0 bytes) (1)" in report


def test_cancelling_the_import_changes_nothing(qtbot, coordinator, db, tmp_path, monkeypatch):
    folder = make_folder(tmp_path)
    started = threading.Event()

    def slow_hash(path, on_chunk=None, cancel=None):
        started.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if cancel is not None and cancel():
                raise Cancelled
            time.sleep(0.01)
        raise AssertionError("the cancel never arrived")

    monkeypatch.setattr(recordings_import, "hash_file", slow_hash)
    before = recordings(db)
    screen = coordinator.show_screen(RecordingsScreen)
    screen.source.setText(str(folder))
    screen.probe.setChecked(False)
    screen.import_button.click()
    qtbot.waitUntil(started.is_set)
    screen.run.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    assert screen.run.dialog.labelText().startswith("Stopping")
    qtbot.waitUntil(lambda: screen.last_report is not None, timeout=10_000)
    assert screen.last_report.summary.text() == "Import cancelled: nothing was changed."
    assert recordings(db) == before


def test_a_bad_pattern_is_explained(qtbot, coordinator, tmp_path, answered_dialogs):
    screen = coordinator.show_screen(RecordingsScreen)
    screen.source.setText(str(make_folder(tmp_path)))
    screen.pattern.setText("{patient}_{visit}")
    screen.scan_button.click()
    title, text = answered_dialogs.messages[-1]
    assert title == "Cannot scan" and "Unknown placeholder {visit}" in text


def test_a_recording_that_will_not_play_is_listed_not_imported(qtbot, coordinator, db, tmp_path):
    import shutil

    import pytest

    from rater.paths import RESOURCES

    probe = pytest.importorskip("rater.media.probe")
    if probe._vlc_parser() is None:
        pytest.skip("libVLC is not installed: recordings are not decoded at import")
    folder = tmp_path / "recordings"
    folder.mkdir()
    shutil.copy(RESOURCES / "demo" / "demo_closing_clip.mp4", folder / "P001_S01.mp4")
    (folder / "P002_S01.mp4").write_text("Session notes, not a video.\n", encoding="utf-8")
    screen = coordinator.show_screen(RecordingsScreen)
    screen.source.setText(str(folder))
    screen.media_root.setText(str(tmp_path))
    assert screen.probe.isChecked()
    screen.scan_button.click()
    screen.import_button.click()
    qtbot.waitUntil(lambda: screen.last_report is not None, timeout=30_000)
    report = screen.last_report.text()
    assert report.startswith("1 recording(s) imported") and "1 that will not play" in report
    assert "Will not play (corrupt or incomplete; not imported) (1)" in report
    assert "P002_S01.mp4 — The recording could not be decoded — it may be corrupt or truncated" in report
    stored = recordings(db)
    assert "recordings/P001_S01.mp4" in stored and "recordings/P002_S01.mp4" not in stored
