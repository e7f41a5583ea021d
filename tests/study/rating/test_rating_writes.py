"""The rating hot path: few statements per change, all-or-nothing, driver errors explained."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from rater.storage import DatabaseError
from rater.storage import models as m


@pytest.fixture
def opened(demo):
    db, ws, _ = demo
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    return db, ws, rater.id, aid


def test_an_item_change_is_one_read_and_three_writes(sqlite_demo):
    db, ws, _ = sqlite_demo
    rater = ws.raters()[0].id
    aid = ws.queue(rater)[0].assignment_id
    ws.open(aid, rater)
    ws.set_response(aid, rater, "asg1", 1)  # the first change reads the instrument once; then it is cached
    sent: list[str] = []
    db.engine.dispose()  # new connections, traced by SQLite itself (statements SQLAlchemy never sees too)
    event.listen(db.engine, "connect", lambda dbapi_conn, record: dbapi_conn.set_trace_callback(sent.append))
    ws.set_response(aid, rater, "asg1", 2)
    verbs = [sql.split()[0].upper() for sql in sent if not sql.startswith("PRAGMA")]
    assert verbs == ["BEGIN", "SELECT", "UPDATE", "INSERT", "UPDATE", "COMMIT"]
    with db.reading() as s:
        count = s.scalar(select(func.count()).select_from(m.AuditEvent).where(m.AuditEvent.field == "item:asg1"))
    assert count == 2
    sent.clear()
    result = ws.set_response(aid, rater, "asg1", 2)  # unchanged: no write, no new revision, no audit row
    assert [sql.split()[0].upper() for sql in sent] == ["BEGIN", "SELECT", "COMMIT"]
    assert result.revision == ws.open(aid, rater).revision


def test_revisions_count_every_change_and_the_audit_names_old_and_new(opened):
    db, ws, rater, aid = opened
    first = ws.set_response(aid, rater, "asg2", 4)
    second = ws.set_note(aid, rater, "asg2", "why 4")
    third = ws.set_response(aid, rater, "asg2", 1)
    assert (second.revision, third.revision) == (first.revision + 1, first.revision + 2)
    with db.reading() as s:
        rows = s.execute(select(m.AuditEvent.field, m.AuditEvent.old, m.AuditEvent.new, m.AuditEvent.actor)
                         .where(m.AuditEvent.field.like("%asg2")).order_by(m.AuditEvent.at, m.AuditEvent.id)).all()
        stored = s.scalar(select(m.Rating.revision).where(m.Rating.assignment_id == aid))
    assert [tuple(r[:3]) for r in rows] == [("item:asg2", None, "4"), ("note:asg2", "", "why 4"),
                                            ("item:asg2", "4", "1")]
    assert all(r.actor.startswith("rater:") for r in rows)
    assert stored == third.revision


def test_a_driver_error_mid_change_is_explained_and_leaves_nothing_half_written(sqlite_demo):
    db, ws, _ = sqlite_demo
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    ws.set_response(aid, rater.id, "asg1", 1)
    with db.engine.begin() as conn:  # the audit insert, the third statement of a change, fails
        conn.execute(text("CREATE TRIGGER no_audit BEFORE INSERT ON audit_event "
                          "BEGIN SELECT RAISE(ABORT, 'audit table unavailable'); END"))
    with pytest.raises(DatabaseError, match="audit table unavailable"):
        ws.set_response(aid, rater.id, "asg1", 4)
    view = ws.open(aid, rater.id)
    assert view.responses["asg1"].value == 1  # the score update was rolled back with the audit row
    assert view.revision == 1
