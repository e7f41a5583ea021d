"""Writes that cannot reach the database are journalled on disk and replayed in order."""

from __future__ import annotations

from rater.storage import DatabaseError
from rater.study.outbox import Outbox
from rater.study.workstation import Workstation


class Flaky(Workstation):
    """A workstation whose database is 'down' while ``down`` is True."""

    down = False

    def set_response(self, *args, **kwargs):
        if self.down:
            raise DatabaseError("The database server cannot be reached: connection refused", "unreachable")
        return super().set_response(*args, **kwargs)

    def add_mark(self, *args, **kwargs):
        if self.down:
            raise DatabaseError("The database server cannot be reached: connection refused", "unreachable")
        return super().add_mark(*args, **kwargs)


def test_offline_writes_survive_a_restart_and_replay_in_order(demo, tmp_path):
    db, _, _ = demo
    ws = Flaky(db)
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    journal = tmp_path / "outbox.jsonl"
    box = Outbox(journal)
    assert box.call(ws, "set_response", assignment_id=aid, rater_id=rater.id, item_id="asg1", value=1)[0]

    ws.down = True
    saved, _ = box.call(ws, "set_response", assignment_id=aid, rater_id=rater.id, item_id="asg1", value=3)
    assert not saved and "cannot be reached" in box.last_error
    box.call(ws, "add_mark", assignment_id=aid, rater_id=rater.id, position_ms=5000, text="offline", mark_id="m-1")
    box.call(ws, "set_response", assignment_id=aid, rater_id=rater.id, item_id="asg1", value=4)
    assert len(journal.read_text().splitlines()) == 3

    # The app crashes while offline; a new one finds the journal and replays it when the server is back.
    ws.down = False
    again = Outbox(journal)
    assert len(again.pending) == 3
    assert again.flush(ws)
    assert not journal.exists()
    view = ws.open(aid, rater.id)
    assert view.responses["asg1"].value == 4
    assert [(mk.id, mk.text) for mk in view.marks] == [("m-1", "offline")]
    assert again.flush(ws)  # replaying again adds nothing
    assert len(ws.open(aid, rater.id).marks) == 1


def test_new_writes_queue_behind_pending_ones(demo, tmp_path):
    db, _, _ = demo
    ws = Flaky(db)
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    box = Outbox(tmp_path / "o.jsonl")
    ws.down = True
    box.call(ws, "set_response", assignment_id=aid, rater_id=rater.id, item_id="asg2", value=1)
    ws.down = False
    saved, _ = box.call(ws, "set_response", assignment_id=aid, rater_id=rater.id, item_id="asg2", value=2)
    assert saved and not box.pending
    assert ws.open(aid, rater.id).responses["asg2"].value == 2
