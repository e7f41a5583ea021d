"""The Pooling screen: ratings packages from a second desktop imported in a worker, conflicts resolved with a reason."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from rater.pooling import export_ratings, export_study, import_study
from rater.storage import models as m
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import DEMO_MEDIA
from rater.ui.coordinator.pooling import screen as pooling_screen
from rater.ui.coordinator.pooling.screen import RESULT_COLUMNS, PoolingScreen

SAM = "Sam Chen"


def rate_general(ws: Workstation, values: tuple[int, int, int]) -> str:
    """Sam's HES-General rating of his first session, answered and submitted on ``ws``'s database."""
    sam = next(r for r in ws.raters() if r.name == SAM)
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    for item, value in zip(("time", "frequency", "effort"), values, strict=True):
        ws.set_response(entry.assignment_id, sam.id, item, value)
    ws.submit(entry.assignment_id, sam.id)
    return entry.assignment_id


def stored_scores(db, assignment_id: str) -> dict[str, int]:
    with db.reading() as s:
        rows = s.execute(select(m.ItemScore.item_id, m.ItemScore.value).join(m.Rating)
                         .where(m.Rating.assignment_id == assignment_id)).all()
    return dict(rows)


@pytest.fixture
def desk_package(db, tmp_path):
    """A second desktop set up from the study package, where Sam rated (3, 2, 4): (package path, assignment)."""
    with db.reading() as s:
        study_id = s.scalar(select(m.Study.id))
    export_study(db, tmp_path / "DEMO-study.srpkg", study_id)
    desk = open_database(tmp_path / "desk1.sqlite")
    try:
        import_study(desk, tmp_path / "DEMO-study.srpkg", media_root=DEMO_MEDIA, verify=False)
        assignment_id = rate_general(Workstation(desk), (3, 2, 4))
        export_ratings(desk, tmp_path / "desk1-ratings.srpkg", study_id)
    finally:
        desk.close()
    return tmp_path / "desk1-ratings.srpkg", assignment_id


def import_files(qtbot, screen: PoolingScreen, monkeypatch, *paths) -> None:
    monkeypatch.setattr(pooling_screen, "choose_packages", lambda parent: [str(p) for p in paths])
    screen.import_button.click()
    assert screen.run.dialog.isVisible()
    qtbot.waitUntil(lambda: not screen.run.running, timeout=20_000)
    qtbot.waitUntil(lambda: screen.results_table.rowCount() == len(paths), timeout=5_000)


def cell(screen: PoolingScreen, row: int, column: str) -> str:
    return screen.results_table.item(row, RESULT_COLUMNS.index(column)).text()


def test_a_package_from_another_desktop_lands_its_rating(qtbot, coordinator, db, desk_package, monkeypatch,
                                                         tmp_path):
    package, assignment_id = desk_package
    threads = []
    real = pooling_screen.import_packages

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(pooling_screen, "import_packages", spy)
    broken = tmp_path / "copied-badly.srpkg"
    broken.write_bytes(package.read_bytes()[:200])
    screen = coordinator.show_screen(PoolingScreen)
    import_files(qtbot, screen, monkeypatch, package, broken)

    assert threads and threading.get_ident() not in threads
    assert (cell(screen, 0, "Outcome"), cell(screen, 0, "New")) == ("imported", "1")
    assert cell(screen, 1, "Outcome") == "rejected" and "copied-badly.srpkg" in cell(screen, 1, "Details")
    assert screen.summary.text().startswith("2 package(s): 1 imported, 0 unchanged (already imported), 1 rejected")
    assert stored_scores(db, assignment_id) == {"time": 3, "frequency": 2, "effort": 4}
    with db.reading() as s:
        assert s.scalar(select(m.Assignment.status).where(m.Assignment.id == assignment_id)) == "submitted"

    import_files(qtbot, screen, monkeypatch, package)  # the same package again changes nothing
    assert cell(screen, 0, "Outcome") == "unchanged"
    assert stored_scores(db, assignment_id) == {"time": 3, "frequency": 2, "effort": 4}
    assert screen.conflicts.table.rowCount() == 0


def test_a_conflict_is_listed_and_needs_a_reason(qtbot, coordinator, db, ws, desk_package, monkeypatch, answers,
                                                 answered_dialogs):
    package, assignment_id = desk_package
    assert rate_general(ws, (1, 1, 1)) == assignment_id  # Sam rated the same session here too
    screen = coordinator.show_screen(PoolingScreen)
    import_files(qtbot, screen, monkeypatch, package)

    assert cell(screen, 0, "Conflicts") == "1" and "decide them below" in screen.summary.text()
    panel = screen.conflicts
    assert panel.table.rowCount() == 1 and panel.title.text() == "Conflicts waiting for a decision (1)"
    assert [panel.table.item(0, c).text() for c in range(4)] == ["R02", "D01", "2", "hes_general 1.0"]
    assert "item time: 1 here, 3 in the package" in panel.details.toPlainText()
    assert stored_scores(db, assignment_id) == {"time": 1, "frequency": 1, "effort": 1}  # nothing overwritten

    answers.queue.append(None)  # the coordinator cancels the question
    panel.keep_incoming.click()
    answers.queue.append("   ")  # a blank reason is refused
    panel.keep_incoming.click()
    assert answered_dialogs.messages[-1][0] == "Conflict not resolved"
    assert "reason" in answered_dialogs.messages[-1][1]
    assert panel.table.rowCount() == 1 and stored_scores(db, assignment_id)["time"] == 1

    answers.queue.append("Sam re-rated it on desk 1 after the calibration meeting")
    panel.keep_incoming.click()
    assert answers.asked == ["Keep the version in the package"] * 3
    assert stored_scores(db, assignment_id) == {"time": 3, "frequency": 2, "effort": 4}
    assert panel.table.rowCount() == 0 and panel.status.text().startswith("Resolved: kept the version in the package")
    with db.reading() as s:
        event = s.scalar(select(m.AuditEvent).where(m.AuditEvent.action == "resolve"))
    assert event.reason == "Sam re-rated it on desk 1 after the calibration meeting"

    panel.show_resolved.setChecked(True)
    assert panel.table.rowCount() == 1 and not panel.keep_stored.isEnabled()
    assert panel.table.item(0, panel.table.columnCount() - 1).text().startswith("kept incoming")


def test_keep_stored_leaves_the_rating_here(qtbot, coordinator, db, ws, desk_package, monkeypatch, answers):
    package, assignment_id = desk_package
    rate_general(ws, (1, 1, 1))
    screen = coordinator.show_screen(PoolingScreen)
    import_files(qtbot, screen, monkeypatch, package)
    answers.queue.append("The desk 1 rating was a practice run")
    screen.conflicts.keep_stored.click()
    assert stored_scores(db, assignment_id) == {"time": 1, "frequency": 1, "effort": 1}
    assert screen.conflicts.table.rowCount() == 0


def test_the_study_package_is_written_for_the_desktops(qtbot, coordinator, db, tmp_path, monkeypatch):
    target = tmp_path / "for-desktops.srpkg"
    suggested = []
    monkeypatch.setattr(pooling_screen, "choose_package_target",
                        lambda parent, default: suggested.append(default) or str(target))
    screen = coordinator.show_screen(PoolingScreen)
    screen.export_button.click()
    assert suggested[0].name.startswith("DEMO-study-") and suggested[0].suffix == ".srpkg"
    assert screen.last_report.summary.text().startswith(f"Wrote {target}: study DEMO")
    desk = open_database(tmp_path / "desk.sqlite")
    try:
        assert import_study(desk, target, media_root=DEMO_MEDIA, verify=False).created
    finally:
        desk.close()


def test_cancelling_keeps_finished_packages_and_skips_the_rest(qtbot, coordinator, db, desk_package, monkeypatch,
                                                              tmp_path):
    from PySide6.QtWidgets import QPushButton

    package, assignment_id = desk_package
    second = tmp_path / "desk2-ratings.srpkg"
    second.write_bytes(package.read_bytes())
    first_done, go = threading.Event(), threading.Event()
    real = pooling_screen.import_packages

    def first_then_wait(*args, **kwargs):
        results = real(*args, **kwargs)
        first_done.set()
        go.wait(10)  # the test presses Cancel once the first package is in
        return results

    monkeypatch.setattr(pooling_screen, "import_packages", first_then_wait)
    monkeypatch.setattr(pooling_screen, "choose_packages", lambda parent: [str(package), str(second)])
    screen = coordinator.show_screen(PoolingScreen)
    screen.import_button.click()
    assert first_done.wait(10)
    screen.run.dialog.findChild(QPushButton).click()
    go.set()
    qtbot.waitUntil(lambda: screen.results_table.rowCount() == 2, timeout=20_000)

    assert [cell(screen, r, "Outcome") for r in (0, 1)] == ["imported", "not imported"]
    assert "1 not imported (cancelled)" in screen.summary.text()
    assert stored_scores(db, assignment_id) == {"time": 3, "frequency": 2, "effort": 4}
