"""Session → Export my ratings…: a rater's own ratings, written off the GUI thread, to a package for the coordinator."""

from __future__ import annotations

import json
import re
import threading

import pytest

from rater.pooling import container
from rater.ui.common import export_ratings
from rater.ui.common.export_ratings import ExportMyRatings


def rater_named(ws, name: str):
    return next(r for r in ws.raters() if r.name == name)


@pytest.fixture
def save_as(monkeypatch, tmp_path):
    """The save dialog answers with ``tmp_path/usb/<name>``; the suggested paths are recorded."""
    (tmp_path / "usb").mkdir()
    asked = []

    def choose(parent, suggested):
        asked.append(suggested)
        return str(tmp_path / "usb" / suggested.name)

    monkeypatch.setattr(export_ratings, "choose_target", choose)
    return asked


def export(qtbot, window) -> ExportMyRatings:
    window.export_action.trigger()
    run = window.findChild(ExportMyRatings)
    qtbot.waitUntil(lambda: not run.running, timeout=20_000)
    return run


def rate(ws, name: str, patient: str, number: int, instrument: str, values: dict[str, int],
         submit: bool = False) -> None:
    rater = rater_named(ws, name)
    entry = next(e for e in ws.queue(rater.id) if (e.patient_code, e.session_number) == (patient, number)
                 and instrument in e.instrument_name)
    ws.open(entry.assignment_id, rater.id)
    for item, value in values.items():
        ws.set_response(entry.assignment_id, rater.id, item, value)
    if submit:
        ws.submit(entry.assignment_id, rater.id)


def test_only_once_a_rater_picked_their_name_and_listed_in_help(window, ws):
    assert not window.export_action.isEnabled()
    assert window.export_action in window.menuBar().actions()[0].menu().actions()
    window.choose_rater(rater_named(ws, "Sam Chen"))
    assert window.export_action.isEnabled() and "Ctrl+Shift+E" in window.export_action.toolTip()
    assert ("Export my ratings…", "Ctrl+Shift+E") in dict(window.shortcut_sections())["Window"]
    window.switch_rater()
    assert not window.export_action.isEnabled()


def test_a_rater_exports_their_own_ratings_and_nobody_elses(qtbot, window, ws, open_rating, save_as, monkeypatch):
    rate(ws, "Alex Rivera", "D02", 2, "Therapist", {"rev1": 3})
    rate(ws, "Sam Chen", "D02", 3, "General", {"time": 1, "frequency": 2, "effort": 3}, submit=True)
    page = open_rating("Sam Chen", "D01", 2, "hes_general")
    page.session.set_response("time", 4)  # on the open page, saved before the export reads
    threads = []
    real = export_ratings.export_ratings

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(export_ratings, "export_ratings", spy)
    run = export(qtbot, window)

    assert threads and threading.get_ident() not in threads
    suggested = save_as[0]
    assert suggested.parent == export_ratings.documents_folder()
    assert re.fullmatch(r"DEMO-R02-\d{8}-\d{4}\.srpkg", suggested.name)
    done = run.summary
    assert (done.ratings, done.submitted, done.rater_codes) == (2, 1, ("R02",))
    assert run.message.isVisible() and run.message.windowTitle() == "Your ratings were exported"
    text = run.message.text()
    assert text.startswith("Exported 2 ratings (1 submitted, 1 not yet submitted) and "
                           f"{done.homework} homework log entr")
    assert "of Sam Chen (R02), study DEMO" in text and str(done.path) in text
    assert text.endswith("Hand this file to your coordinator.")

    payload = container.read_package(done.path, "ratings").payload
    assert [r["code"] for r in payload["raters"]] == ["R02"]
    general = next(r for r in payload["ratings"] if r["assignment_id"] == page.view.assignment_id)
    assert {s["item_id"]: s["value"] for s in general["scores"]} == {"time": 4}
    alex = rater_named(ws, "Alex Rivera")
    assert alex.id not in json.dumps(payload) and "R01" not in json.dumps(payload)  # blinding


def test_an_export_that_cannot_be_written_says_so(qtbot, window, ws, monkeypatch, tmp_path, answered_dialogs):
    window.choose_rater(rater_named(ws, "Sam Chen"))
    target = tmp_path / "stick-was-pulled" / "sam.srpkg"
    monkeypatch.setattr(export_ratings, "choose_target", lambda parent, suggested: str(target))
    run = export(qtbot, window)

    assert run.summary is None and run.message is None
    title, text = answered_dialogs.messages[-1]
    assert title == "Your ratings were not exported"
    assert "No such file or directory" in text and "No half-written package" in text
    assert not target.parent.exists()


def test_cancelling_the_save_dialog_writes_nothing(window, ws, monkeypatch, answered_dialogs):
    window.choose_rater(rater_named(ws, "Sam Chen"))
    monkeypatch.setattr(export_ratings, "choose_target", lambda parent, suggested: None)
    window.export_action.trigger()
    run = window.findChild(ExportMyRatings)
    assert run.task is None and answered_dialogs.messages == []


def test_unsaved_changes_are_not_exported_silently(window, open_rating, monkeypatch, save_as, answered_dialogs):
    page = open_rating("Sam Chen", "D01", 2, "hes_general")
    monkeypatch.setattr(page.session.saver, "flush", lambda: False)
    answered_dialogs.confirm_answer = False  # "Export anyway?" — no
    window.export_action.trigger()
    assert answered_dialogs.confirms == ["Changes not saved yet"]
    assert save_as == []  # nothing was asked or written


def test_the_chosen_name_gets_the_package_suffix(monkeypatch, window, tmp_path):
    monkeypatch.setattr(export_ratings.QFileDialog, "getSaveFileName",
                        lambda *args: (str(tmp_path / "for-the-coordinator"), ""))
    assert export_ratings.choose_target(window, tmp_path / "x.srpkg") == str(tmp_path / "for-the-coordinator.srpkg")


def test_a_rater_with_nothing_rated_is_told_so(qtbot, window, ws, save_as):
    window.choose_rater(rater_named(ws, "Sam Chen"))
    run = export(qtbot, window)
    assert run.summary.ratings == 0
    assert run.message.text().endswith("You have not started any rating yet, so there is nothing in it for your "
                                       "coordinator.")
