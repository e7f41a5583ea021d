"""The write queue: refused writes wait in order, survive a crash in the journal, and replay once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from rater.storage import DatabaseError
from rater.storage import models as m
from rater.study.rating.workstation import Workstation
from rater.study.rating.write_commands import (
    COMMANDS,
    AddMark,
    DeleteMark,
    SetMarkEvidence,
    SetNoAnchor,
    SetNote,
    SetResponse,
    UpdateMark,
    from_json,
    to_json,
)
from rater.study.rating.write_queue import WriteQueue, journal_path

DOWN = "The database server cannot be reached: connection refused"


class Flaky(Workstation):
    """A workstation whose database is 'down' while ``down`` is True (every rating write fails)."""

    down = False

    def _guard(self):
        if self.down:
            raise DatabaseError(DOWN, "unreachable")

    def set_response(self, *args, **kwargs):
        self._guard()
        return super().set_response(*args, **kwargs)

    def set_note(self, *args, **kwargs):
        self._guard()
        return super().set_note(*args, **kwargs)

    def add_mark(self, *args, **kwargs):
        self._guard()
        return super().add_mark(*args, **kwargs)


@pytest.fixture
def rating(demo):
    db, _, _ = demo
    ws = Flaky(db)
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    return ws, rater.id, aid


def audit_fields(db):
    with db.reading() as s:
        q = select(m.AuditEvent.field, m.AuditEvent.new).where(m.AuditEvent.action == "update")
        return [tuple(r) for r in s.execute(q.order_by(m.AuditEvent.at, m.AuditEvent.id))]


def test_every_command_round_trips_through_the_journal_form():
    commands = [SetResponse("a", "r", "asg1", 3), SetResponse("a", "r", "asg1", None, True),
                SetNote("a", "r", "asg1", "ünïcode"), AddMark("a", "r", "m-1", 5000, "x"),
                UpdateMark("a", "r", "m-1", "y"), DeleteMark("a", "r", "m-1"),
                SetMarkEvidence("a", "r", "m-1", "asg1", "+"), SetMarkEvidence("a", "r", "m-1", None),
                SetNoAnchor("a", "r", "asg1", True, "between 2 and 3")]
    assert {type(c) for c in commands} == set(COMMANDS.values())
    for command in commands:
        assert from_json(json.loads(json.dumps(to_json(command)))) == command
    with pytest.raises(ValueError, match="unknown write"):
        from_json({"command": "drop_table"})
    with pytest.raises(ValueError, match="unknown field"):
        from_json({"command": "set_note", "assignment_id": "a", "rater_id": "r", "item_id": "i", "text": "",
                   "extra": 1})


def test_offline_writes_survive_a_restart_and_replay_in_order(rating, tmp_path):
    ws, rater, aid = rating
    journal = tmp_path / "outbox.jsonl"
    box = WriteQueue(ws, journal)
    assert box.put(SetResponse(aid, rater, "asg1", 1)).saved
    assert not journal.exists()  # nothing waits: no journal

    ws.down = True
    result = box.put(SetResponse(aid, rater, "asg1", 3))
    assert not result.saved and "cannot be reached" in result.error == box.last_error
    box.put(AddMark(aid, rater, "m-1", 5000, "offline"))
    box.put(SetNote(aid, rater, "asg1", "after the mark"))
    assert [json.loads(line)["command"] for line in journal.read_text().splitlines()] == [
        "set_response", "add_mark", "set_note"]

    # The app dies while offline; the next start finds the journal and replays it once the server is back.
    ws.down = False
    again = WriteQueue(ws, journal)
    assert again.pending == 3
    assert again.flush().saved
    assert not journal.exists()
    view = ws.open(aid, rater)
    assert view.responses["asg1"].value == 3
    assert view.notes == {"asg1": "after the mark"}
    assert [(mk.id, mk.text) for mk in view.marks] == [("m-1", "offline")]
    assert WriteQueue(ws, journal).flush().saved  # nothing left to replay
    assert again.put(AddMark(aid, rater, "m-1", 5000, "offline")).saved  # a replayed add is a no-op
    assert len(ws.open(aid, rater).marks) == 1


def test_new_writes_queue_behind_pending_ones_and_replace_the_same_item(rating, tmp_path):
    ws, rater, aid = rating
    box = WriteQueue(ws, tmp_path / "o.jsonl")
    ws.down = True
    box.put(SetResponse(aid, rater, "asg1", 1))
    box.put(SetResponse(aid, rater, "asg2", 4))
    box.put(SetResponse(aid, rater, "asg1", 3))  # replaces the pending 1, keeps its place
    assert box.pending == 2
    ws.down = False
    assert box.put(SetNote(aid, rater, "asg2", "last")).saved and box.pending == 0
    # Written in the order made, the replaced value never reached the database.
    assert audit_fields(ws.db) == [("item:asg1", "3"), ("item:asg2", "4"), ("note:asg2", "last")]


def test_the_same_item_of_two_assignments_is_two_writes(demo, tmp_path):
    db, _, _ = demo
    ws = Flaky(db)
    rater = ws.raters()[0]
    entries = ws.queue(rater.id)
    name = entries[0].instrument_name
    first, second = [e.assignment_id for e in entries if e.instrument_name == name][:2]
    item = ws.open(first, rater.id).instrument.items[0].id
    ws.open(second, rater.id)
    box = WriteQueue(ws, tmp_path / "o.jsonl")
    ws.down = True
    box.put(SetNote(first, rater.id, item, "first session"))
    box.put(SetNote(second, rater.id, item, "second session"))
    assert box.pending == 2
    ws.down = False
    assert box.flush().saved
    assert ws.open(first, rater.id).notes == {item: "first session"}
    assert ws.open(second, rater.id).notes == {item: "second session"}


def test_refused_writes_are_reported_and_dropped_while_the_rest_land(rating, tmp_path):
    ws, rater, aid = rating
    box = WriteQueue(ws, tmp_path / "o.jsonl")
    ws.down = True
    box.put(SetResponse(aid, rater, "asg1", 99))  # out of range: no retry can fix it
    box.put(SetResponse(aid, rater, "asg2", 2))
    ws.down = False
    result = box.flush()
    assert result.saved and len(result.rejected) == 1 and "outside" in result.rejected[0]
    assert ws.open(aid, rater).responses["asg2"].value == 2
    assert not (tmp_path / "o.jsonl").exists()


def test_a_pending_mark_can_be_dropped_before_it_is_written(rating, tmp_path):
    ws, rater, aid = rating
    box = WriteQueue(ws, tmp_path / "o.jsonl")
    ws.down = True
    box.put(AddMark(aid, rater, "m-typo", 4000, "typo"))
    assert box.drop(AddMark.key_of("m-typo")) and box.pending == 0 and box.last_error is None
    assert not (tmp_path / "o.jsonl").exists()
    assert not box.drop(AddMark.key_of("m-typo"))


def test_a_journal_from_an_earlier_run_is_kept_when_new_writes_fail_too(rating, tmp_path):
    """Start-up could not replay the journal; the rater keeps working offline: nothing is overwritten."""
    ws, rater, aid = rating
    journal = tmp_path / "o.jsonl"
    ws.down = True
    WriteQueue(ws, journal).put(SetResponse(aid, rater, "asg1", 1))
    restarted = WriteQueue(ws, journal)
    assert not restarted.flush().saved
    restarted.put(SetResponse(aid, rater, "asg2", 2))
    assert len(journal.read_text().splitlines()) == 2
    ws.down = False
    assert restarted.flush().saved
    responses = ws.open(aid, rater).responses
    assert (responses["asg1"].value, responses["asg2"].value) == (1, 2)


def test_journals_of_the_earlier_format_replay_and_unreadable_lines_are_kept(rating, tmp_path):
    ws, rater, aid = rating
    journal = tmp_path / "o.jsonl"
    legacy = {"method": "set_response", "kwargs": {"assignment_id": aid, "rater_id": rater, "item_id": "asg3",
                                                   "value": 2, "is_na": False}}
    journal.write_text(json.dumps(legacy) + "\n" + "{not json\n", encoding="utf-8")
    box = WriteQueue(ws, journal)
    assert box.pending == 1 and box.unreadable == ["{not json"]
    assert box.flush().saved
    assert ws.open(aid, rater).responses["asg3"].value == 2
    assert (tmp_path / "o.unreadable.jsonl").read_text() == "{not json\n"


def test_the_journal_lives_in_the_data_folder_per_database(tmp_path, _private_data_dir):
    one, two = journal_path("sqlite:///a.sqlite"), journal_path("sqlite:///b.sqlite")
    assert one.parent == _private_data_dir / "outbox" and one != two


CHILD = textwrap.dedent(
    """
    import sys
    from rater.storage import DatabaseError, open_database
    from rater.study.rating.workstation import Workstation
    from rater.study.rating.write_commands import AddMark, SetResponse
    from rater.study.rating.write_queue import WriteQueue

    def down(self, *args, **kwargs):
        raise DatabaseError("The database server cannot be reached.", "unreachable")

    Workstation.set_response = Workstation.add_mark = down
    ws = Workstation(open_database(sys.argv[1]))
    rater, aid, journal = sys.argv[2], sys.argv[3], sys.argv[4]
    box = WriteQueue(ws, __import__("pathlib").Path(journal))
    box.put(SetResponse(aid, rater, "asg1", 4))
    box.put(AddMark(aid, rater, "m-crash", 1234, "before the crash"))
    print("queued", flush=True)
    sys.stdin.read()  # wait to be killed
    """
)


def test_a_killed_process_loses_no_queued_write(sqlite_demo, tmp_path):
    db, ws, _ = sqlite_demo
    alex = next(r for r in ws.raters() if r.name.startswith("Alex"))
    aid = ws.queue(alex.id)[0].assignment_id
    ws.open(aid, alex.id)
    journal = tmp_path / "crash.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, db.path, alex.id, aid, str(journal)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout.readline().strip() == "queued"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert WriteQueue(Workstation(db), journal).flush().saved
    view = ws.open(aid, alex.id)
    assert view.responses["asg1"].value == 4
    assert [(mk.id, mk.position_ms) for mk in view.marks] == [("m-crash", 1234)]
