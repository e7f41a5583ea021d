"""A refused write is kept, shown as "Not saved", retried, and lands when the fault clears."""

from __future__ import annotations

from PySide6.QtCore import Qt

from rater.storage.database import DatabaseError
from rater.study.rating.workstation import Workstation
from rater.ui.rating import autosave


def _value(ws, page, item_id):
    return ws.open(page.view.assignment_id, page.view.rater_id).responses.get(item_id)


def test_disk_full_once_then_retried(qtbot, monkeypatch, ws, open_rating):
    monkeypatch.setattr(autosave, "RETRY_MS", 30)
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    real = Workstation.set_response
    faults = {"left": 1}

    def flaky(self, *args, **kwargs):
        if faults["left"]:
            faults["left"] -= 1
            raise DatabaseError("The disk is full: your last change could not be saved. Free some space.",
                                "disk_full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Workstation, "set_response", flaky)
    row = page.form.rows["asg1"]
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_2)

    # Shown at once, kept in memory, the form still usable.
    assert page.header.save_label.text() == "Not saved"
    assert not page.header.banner.isHidden()
    assert page.header.banner.text().startswith("Not saved — The disk is full")
    assert row.buttons[2].isChecked()
    assert page.form.scores_bar.labels["assignment"].text() == "Assignment: — (1/7)"
    assert _value(ws, page, "asg1") is None
    assert page.session.saver.pending == 1

    qtbot.waitUntil(lambda: page.session.saver.pending == 0, timeout=3000)
    assert _value(ws, page, "asg1").value == 2
    assert page.header.banner.isHidden()
    assert page.header.save_label.text().startswith("Saved ")


def test_later_changes_queue_behind_and_replace_the_pending_value(qtbot, monkeypatch, ws, open_rating):
    monkeypatch.setattr(autosave, "RETRY_MS", 30)
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    real = Workstation.set_response
    broken = {"on": True}

    def down(self, *args, **kwargs):
        if broken["on"]:
            raise DatabaseError("The database is locked by another program.", "locked")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Workstation, "set_response", down)
    page.session.set_response("asg1", 1)
    page.session.set_response("asg2", 4)
    page.session.set_response("asg1", 3)
    page.session.set_note("asg1", "kept too")
    assert page.session.saver.pending == 3
    broken["on"] = False
    qtbot.waitUntil(lambda: page.session.saver.pending == 0, timeout=3000)
    view = ws.open(page.view.assignment_id, page.view.rater_id)
    assert view.responses["asg1"].value == 3
    assert view.responses["asg2"].value == 4
    assert view.notes == {"asg1": "kept too"}


def test_leaving_with_unsaved_changes_asks_first(monkeypatch, window, ws, open_rating, answered_dialogs):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    monkeypatch.setattr(Workstation, "set_response",
                        lambda self, *a, **k: (_ for _ in ()).throw(DatabaseError("unreachable", "unreachable")))
    page.session.set_response("asg1", 1)
    answered_dialogs.confirm_answer = False
    window.back_to_queue()
    assert window.rating_page is page
    assert answered_dialogs.confirms[-1] == "Changes not saved"


def test_marks_added_while_the_database_is_down_are_saved_later(qtbot, monkeypatch, ws, open_rating):
    monkeypatch.setattr(autosave, "RETRY_MS", 30)
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    real = Workstation.add_mark
    broken = {"on": True}

    def down(self, *args, **kwargs):
        if broken["on"]:
            raise DatabaseError("The database server cannot be reached.", "unreachable")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Workstation, "add_mark", down)
    entry = page.session.add_mark(3_000, "first")
    doomed = page.session.add_mark(4_000, "typo")
    page.session.update_mark(entry.key, "first, edited")
    page.session.delete_mark(doomed.key)
    assert page.marks_panel.tree.topLevelItemCount() == 1
    broken["on"] = False
    qtbot.waitUntil(lambda: page.session.saver.pending == 0, timeout=3000)
    marks = ws.open(page.view.assignment_id, page.view.rater_id).marks
    assert [(mk.position_ms, mk.text) for mk in marks] == [(3_000, "first, edited")]


def test_unsaved_changes_survive_a_crash_in_the_journal(qtbot, monkeypatch, ws, open_rating):
    """Server down, rater keeps rating, the app dies: the next start writes every change."""
    from rater.study.rating.write_queue import WriteQueue, journal_path

    monkeypatch.setattr(autosave, "RETRY_MS", 60_000)
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")

    def down(self, *args, **kwargs):
        raise DatabaseError("The database server cannot be reached.", "unreachable")

    originals = {name: getattr(Workstation, name) for name in ("set_response", "add_mark")}
    for name in originals:
        monkeypatch.setattr(Workstation, name, down)
    row = page.form.rows["asg1"]
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_3)
    page.session.add_mark(42_000, "assigns a thought record")
    journal = journal_path(ws.db.url)
    assert journal.exists() and len(lines := journal.read_text().splitlines()) == 2
    assert '"set_response"' in lines[0] and '"add_mark"' in lines[1]

    for name, method in originals.items():  # the server is back; a fresh start replays the journal
        monkeypatch.setattr(Workstation, name, method)
    replay = WriteQueue(Workstation(ws.db), journal)
    assert replay.pending == 2
    result = replay.flush()
    assert result.saved and not result.rejected, (result.error, result.rejected)
    view = ws.open(page.view.assignment_id, page.view.rater_id)
    assert view.responses["asg1"].value == 3
    assert [mk.text for mk in view.marks] == ["assigns a thought record"]
    assert not journal.exists()


def test_the_app_writes_a_journal_left_by_an_earlier_run_when_it_opens_the_database(
        qtbot, ws, db, player_factory, answered_dialogs):
    import json

    from rater.study.rating.write_commands import SetResponse, to_json
    from rater.study.rating.write_queue import journal_path
    from rater.ui import app

    alex = next(r for r in ws.raters() if r.name == "Alex Rivera")
    aid = ws.queue(alex.id)[0].assignment_id
    ws.open(aid, alex.id)
    journal = journal_path(db.url)
    journal.parent.mkdir(parents=True)
    lines = [SetResponse(aid, alex.id, "asg1", 3), SetResponse(aid, alex.id, "asg2", 99)]  # the second is refused
    journal.write_text("".join(json.dumps(to_json(c)) + "\n" for c in lines), encoding="utf-8")

    window = app.open_main_window(str(db.path), demo="no", player_factory=player_factory)
    qtbot.addWidget(window)
    assert not journal.exists()
    assert ws.open(aid, alex.id).responses["asg1"].value == 3
    assert [title for title, _ in answered_dialogs.messages] == ["Changes not saved"]
    assert "99 is outside 0–4 for item asg2" in answered_dialogs.messages[0][1]
