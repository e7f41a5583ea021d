"""Calibration meetings: blind until everyone submitted or the meeting is closed, then side by side with gold."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from training_support import gold_session, ids, rate

from rater.storage import models as m
from rater.study.errors import InvalidValue
from rater.study.training.calibration import close_meeting, meetings, open_meeting
from rater.study.training.desk import GoldSealed, TrainingDesk


def _assignment(db, rater_id: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Assignment.id).where(m.Assignment.rater_id == rater_id,
                                                      m.Assignment.purpose == "practice"))


def test_board_is_revealed_when_all_submitted(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2)
    with pytest.raises(InvalidValue, match="at least two"):
        open_meeting(db, session_id, x["hstbs"], [x["R01"]])
    open_meeting(db, session_id, x["hstbs"], [x["R01"], x["R02"]], "Week 3 calibration")
    a1, a2 = _assignment(db, x["R01"]), _assignment(db, x["R02"])
    rate(ws, a1, x["R01"], 3)
    [mt] = meetings(db, study)
    assert (mt.revealed, mt.rows, mt.attendees) == (False, [], {"R01": True, "R02": False})
    with pytest.raises(GoldSealed, match="when everyone has submitted"):
        TrainingDesk(db).feedback(a1, x["R01"])
    rate(ws, a2, x["R02"], 1)
    [mt] = meetings(db, study)
    assert mt.revealed and mt.title == "Week 3 calibration"
    rev1 = mt.rows[0]
    assert (rev1.item_id, rev1.gold, rev1.scores) == ("rev1", 2, {"R01": 3, "R02": 1})
    assert TrainingDesk(db).feedback(a1, x["R01"]).summary.within1 == 1.0


def test_closing_reveals_without_unfinished_ratings(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2)
    meeting_id = open_meeting(db, session_id, x["hstbs"], [x["R01"], x["R02"]])
    rate(ws, _assignment(db, x["R01"]), x["R01"], 2)
    rate(ws, _assignment(db, x["R02"]), x["R02"], 4, submit=False)
    close_meeting(db, meeting_id)
    [mt] = meetings(db, study)
    assert mt.revealed and mt.closed_at is not None
    assert mt.rows[0].scores == {"R01": 2, "R02": None}
