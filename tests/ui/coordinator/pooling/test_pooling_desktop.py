"""Setting up a lab desktop from the study package in the GUI, rating there, and pooling the rater's export."""

from __future__ import annotations

import shutil
import threading
import zipfile

import pytest
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from rater.pooling import container, export_study, import_packages
from rater.storage import models as m
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.recordings.files import hash_file
from rater.study.reports import overview
from rater.study.setup import coordination
from rater.study.setup.demo import DEMO_MEDIA
from rater.ui.common import export_ratings
from rater.ui.coordinator.pooling import desktop as pooling_desktop
from rater.ui.coordinator.pooling.desktop import DesktopPanel
from rater.ui.coordinator.pooling.screen import PoolingScreen
from tests.ui.coordinator.coordinator_helpers import PASSWORD, open_coordinator


@pytest.fixture
def study_package(db, tmp_path):
    """The demo study's set-up with every recording's checksum (as a recordings import stores), exported."""
    with db.transaction() as s:
        study_id = s.scalar(select(m.Study.id))
        for rec in s.scalars(select(m.Recording)):
            rec.checksum = hash_file(DEMO_MEDIA / rec.path)[0]
    return export_study(db, tmp_path / "DEMO-study.srpkg", study_id).path


@pytest.fixture
def desk(tmp_path):
    """A lab desktop's empty database (the coordinator password is set, as on first use)."""
    database = open_database(tmp_path / "desk.sqlite")
    coordination.set_coordinator_password(database, PASSWORD)
    yield database
    database.close()


@pytest.fixture
def desk_window(qtbot, desk, player_factory):
    from rater.ui.main_window import MainWindow

    win = MainWindow(Workstation(desk), player_factory)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def pooling_panel(qtbot, window) -> DesktopPanel:
    screen = open_coordinator(qtbot, window).show_screen(PoolingScreen)
    return screen.desktop


def choose_package(panel: DesktopPanel, monkeypatch, path) -> None:
    monkeypatch.setattr(pooling_desktop, "choose_study_package", lambda parent: str(path))
    panel.import_button.click()


def import_through_gui(qtbot, panel: DesktopPanel, monkeypatch, package, media_root, verify=True) -> None:
    """Choose the package and (through Browse…) the recordings folder, press Import, wait for the report."""
    choose_package(panel, monkeypatch, package)
    dialog = panel.setup_dialog
    assert dialog.isVisible()
    monkeypatch.setattr(pooling_desktop, "choose_media_root", lambda parent, start: str(media_root))
    dialog.browse_button.click()
    dialog.verify_box.setChecked(verify)
    dialog.import_button.click()
    assert panel.run.dialog.isVisible()
    qtbot.waitUntil(lambda: panel.last_report is not None, timeout=30_000)


def rater_names(window) -> list[str]:
    return [window.rater_page.list.item(i).text() for i in range(window.rater_page.list.count())]


def test_a_desktop_set_up_in_the_gui_rates_and_its_export_pools_on_the_coordinator(
        qtbot, db, desk, desk_window, study_package, monkeypatch, tmp_path):
    assert rater_names(desk_window) == []
    panel = pooling_panel(qtbot, desk_window)
    screen = panel.parent()
    while not isinstance(screen, PoolingScreen):
        screen = screen.parent()
    assert screen.no_study.isVisible() and not screen.pooling.isVisible()  # nothing to pool before the set-up
    assert not panel.export_all_button.isVisible()
    threads = []
    real = pooling_desktop.import_study

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(pooling_desktop, "import_study", spy)
    import_through_gui(qtbot, panel, monkeypatch, study_package, DEMO_MEDIA)

    assert threads and threading.get_ident() not in threads
    done = panel.last_import
    assert done.created and done.hashed and done.problems == []
    assert done.media_root == str(DEMO_MEDIA.resolve())
    assert panel.last_report.windowTitle() == "Study package imported"
    assert panel.last_report.summary.text().startswith("Study DEMO created on this desktop. Recordings verified "
                                                       "(checksums compared) under ")
    assert panel.status.text() == panel.last_report.summary.text() and panel.status.text().endswith("all present.")
    report = panel.last_report.text()
    assert "Recordings missing or changed (0)" in report and "  rater: 2" in report and "  recording: 6" in report
    assert rater_names(desk_window) == ["Alex Rivera", "Sam Chen"]  # at once, still in coordinator mode
    assert screen.pooling.isVisible() and panel.export_all_button.isVisible()
    assert [s.code for s in overview.studies(desk)] == ["DEMO"]
    page = screen.parent()
    while not hasattr(page, "study_combo"):
        page = page.parent()
    assert page.study_combo.currentText().startswith("DEMO")
    page.leave_button.click()

    # Sam picks his name on the desktop, rates an item and exports his ratings.
    sam_row = rater_names(desk_window).index("Sam Chen")
    desk_window.rater_page.list.setCurrentRow(sam_row)
    desk_window.rater_page.continue_button.click()
    assert desk_window.rater.name == "Sam Chen" and desk_window.export_action.isEnabled()
    entry = next(e for e in desk_window.queue_page.entries if "General" in e.instrument_name)
    desk_window.open_assignment(entry.assignment_id)
    desk_window.rating_page.session.set_response("time", 4)
    target = tmp_path / "usb" / "sam.srpkg"
    target.parent.mkdir()
    monkeypatch.setattr(export_ratings, "choose_target", lambda parent, suggested: str(target))
    desk_window.export_action.trigger()
    run = desk_window.findChild(export_ratings.ExportMyRatings)
    qtbot.waitUntil(lambda: run.summary is not None, timeout=20_000)
    assert "Hand this file to your coordinator." in run.message.text()

    results = import_packages(db, [target])
    assert [r.status for r in results] == ["imported"]
    with db.reading() as s:
        value = s.scalar(select(m.ItemScore.value).join(m.Rating)
                         .where(m.Rating.assignment_id == entry.assignment_id, m.ItemScore.item_id == "time"))
    assert value == 4


def tampered(package, out):
    """The package with a rater renamed inside but the manifest (and its checksum) left as exported."""
    with zipfile.ZipFile(package) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["study.json"] = members["study.json"].replace(b"Sam Chen", b"Sam Chan")
    with zipfile.ZipFile(out, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out


@pytest.mark.parametrize(("make", "says"), [
    (tampered, "was changed after it was exported"),
    (lambda package, out: out.write_bytes(package.read_bytes()[:300]) and out, "damaged"),
    (lambda package, out: out.write_text("hello") and out, "is not a Session Rater package"),
])
def test_a_bad_study_package_is_refused_and_changes_nothing(qtbot, desk, desk_window, study_package, tmp_path,
                                                            monkeypatch, answered_dialogs, make, says):
    bad = make(study_package, tmp_path / "bad.srpkg")
    panel = pooling_panel(qtbot, desk_window)
    choose_package(panel, monkeypatch, bad)

    title, text = answered_dialogs.messages[-1]
    assert title == "Study package not imported"
    assert says in text and "Nothing on this desktop was changed." in text
    assert panel.setup_dialog is None and panel.run is None
    assert says in panel.status.text()
    assert overview.studies(desk) == [] and rater_names(desk_window) == []


def test_a_ratings_package_is_not_taken_for_a_study_package(qtbot, db, desk_window, tmp_path, monkeypatch,
                                                             answered_dialogs):
    with db.reading() as s:
        study_id = s.scalar(select(m.Study.id))
    ratings = export_ratings.write_ratings(db, tmp_path / "ratings.srpkg", study_id, None).path
    choose_package(pooling_panel(qtbot, desk_window), monkeypatch, ratings)
    assert "is a ratings package, not a study package" in answered_dialogs.messages[-1][1]


def test_missing_recordings_are_listed_not_ignored(qtbot, desk, desk_window, study_package, tmp_path,
                                                   monkeypatch):
    empty = tmp_path / "not-the-recordings"
    empty.mkdir()
    panel = pooling_panel(qtbot, desk_window)
    import_through_gui(qtbot, panel, monkeypatch, study_package, empty, verify=False)

    problems = panel.last_import.problems
    recordings = container.read_package(study_package, "study").payload["recordings"]
    assert len(problems) == len(recordings) > 0 and {p.problem for p in problems} == {"missing"}
    top = panel.last_report.tree.topLevelItem(0)
    assert top.text(0) == f"Recordings missing or changed ({len(problems)})"
    assert top.child(0).text(0) == str(problems[0]) and str(empty) in top.child(0).text(0)
    assert f"{len(problems)} missing or changed" in panel.status.text()
    assert panel.status.text().endswith(f"… and {len(problems) - 5} more (see the report)")  # the panel shows five
    assert "sizes only, not hashed" in panel.status.text()
    assert rater_names(desk_window) == ["Alex Rivera", "Sam Chen"]  # the set-up is in; the files are the gap


def test_a_recording_with_other_content_is_listed_as_changed(qtbot, desk_window, study_package, tmp_path,
                                                             monkeypatch):
    copy = tmp_path / "desk-media"
    shutil.copytree(DEMO_MEDIA, copy)
    clip = copy / "demo_closing_clip.mp4"
    body = bytearray(clip.read_bytes())
    body[-1] ^= 0xFF  # same size, other content: only the checksum can tell
    clip.write_bytes(bytes(body))
    panel = pooling_panel(qtbot, desk_window)
    import_through_gui(qtbot, panel, monkeypatch, study_package, copy, verify=True)

    assert [(p.kind, p.problem) for p in panel.last_import.problems] == [("video", "changed")]
    top = panel.last_report.tree.topLevelItem(0)
    assert top.text(0) == "Recordings missing or changed (1)" and "different content" in top.child(0).text(0)
    assert "1 missing or changed" in panel.status.text()
    assert panel.status.text().splitlines()[-1] == f"• {panel.last_import.problems[0]}"

    panel.last_report.close()
    choose_package(panel, monkeypatch, study_package)  # a newer package later: this desktop's folder is kept
    assert panel.setup_dialog.root_edit.text() == str(copy.resolve())


def test_a_folder_that_does_not_exist_is_refused_in_the_dialog(qtbot, desk, desk_window, study_package, tmp_path,
                                                               monkeypatch):
    panel = pooling_panel(qtbot, desk_window)
    choose_package(panel, monkeypatch, study_package)
    dialog = panel.setup_dialog
    assert dialog.root_edit.text() == str(DEMO_MEDIA)  # the coordinator's folder, until told otherwise
    dialog.root_edit.setText(str(tmp_path / "no-such-folder"))
    dialog.import_button.click()
    assert dialog.isVisible() and "There is no folder" in dialog.problem.text()
    assert panel.run is None and overview.studies(desk) == []


def test_cancelling_the_check_keeps_the_set_up_and_says_so(qtbot, desk, desk_window, study_package, monkeypatch):
    checking, go = threading.Event(), threading.Event()
    real = pooling_desktop.import_study

    def wait_in_the_check(*args, progress=None, **kwargs):
        def report(*values):
            checking.set()
            go.wait(10)  # the test presses Cancel while the first recording is being hashed
            progress(*values)

        return real(*args, progress=report, **kwargs)

    monkeypatch.setattr(pooling_desktop, "import_study", wait_in_the_check)
    panel = pooling_panel(qtbot, desk_window)
    choose_package(panel, monkeypatch, study_package)
    panel.setup_dialog.import_button.click()
    assert checking.wait(10)
    panel.run.dialog.findChild(QPushButton).click()
    assert "the study set-up is kept" in panel.run.dialog.labelText()
    go.set()
    qtbot.waitUntil(lambda: "checking its recordings was stopped" in panel.status.text(), timeout=20_000)

    assert [s.code for s in overview.studies(desk)] == ["DEMO"]
    assert rater_names(desk_window) == ["Alex Rivera", "Sam Chen"]


def test_export_all_ratings_on_this_desktop(qtbot, coordinator, db, ws, tmp_path, monkeypatch):
    for name, patient, item in (("Alex Rivera", "D02", "rev1"), ("Sam Chen", "D01", "time")):
        rater = next(r for r in ws.raters() if r.name == name)
        entry = next(e for e in ws.queue(rater.id) if e.patient_code == patient)
        ws.open(entry.assignment_id, rater.id)
        ws.set_response(entry.assignment_id, rater.id, item, 2)
    suggested = []
    target = tmp_path / "all.srpkg"
    monkeypatch.setattr(pooling_desktop, "choose_ratings_target",
                        lambda parent, default: suggested.append(default) or str(target))
    panel = coordinator.show_screen(PoolingScreen).desktop
    panel.export_all_button.click()
    qtbot.waitUntil(lambda: panel.last_report is not None, timeout=20_000)

    assert suggested[0].name.startswith("DEMO-all-") and suggested[0].suffix == ".srpkg"
    assert panel.last_report.summary.text().startswith(f"Wrote {target}: 2 ratings (0 submitted) of study DEMO "
                                                       "(R01, R02)")
    payload = container.read_package(target, "ratings").payload
    assert sorted(r["rater_code"] for r in payload["ratings"]) == ["R01", "R02"]
    assert panel.export_all_button.isEnabled()
