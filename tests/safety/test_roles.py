"""Row-level security on the real PostgreSQL server: each rater's own role sees and changes only their rows."""

from __future__ import annotations

import argparse
import csv

import pytest
import sqlalchemy as sa
from pooling.helpers import build_study, queue, rate, rater_id
from sqlalchemy import select

from rater.commands import db as db_command
from rater.storage import DatabaseError, open_database
from rater.storage import models as m
from rater.storage.roles import POLICIES, apply_roles
from rater.study.rating.preferences import rater_preferences, update_rater_preferences
from rater.study.rating.workstation import Workstation
from rater.study.setup import coordination

from .conftest import PASSWORD, drop_database_and_roles


@pytest.fixture
def shared(new_db_url, tmp_path):
    """A shared store: three raters, R01 and R02 have rated (as the admin set-up did); roles applied by the CLI."""
    url = new_db_url("postgresql", "shared")
    admin = open_database(url)
    build_study(admin, tmp_path / "media", raters=3)
    for code in ("R01", "R02"):
        for index, assignment_id in enumerate(queue(admin, code)):
            rate(admin, code, assignment_id, {"q1": index % 5, "q2": 1, "q3": 2, "q4": 3},
                 notes={"q1": f"private note of {code}"}, marks=((61_000, f"mark of {code}"),))
    coordination.set_coordinator_password(admin, PASSWORD)
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD)
    out = tmp_path / "roles.csv"
    parser = argparse.ArgumentParser(prog="rater")
    db_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["db", "roles", "--db", url, "--out", str(out), "--password-file", str(password_file)])
    assert args.handler(args) == 0
    with out.open(newline="") as fh:
        credentials = {row["rater"] or "coordinator": row for row in csv.DictReader(fh)}
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    opened = []

    def connect(who: str):
        row = credentials[who]
        engine = sa.create_engine(sa.engine.make_url(row["address"]).set(password=row["password"]))
        opened.append(engine)
        return engine

    yield admin, connect, credentials
    for engine in opened:
        engine.dispose()
    admin.close()
    drop_database_and_roles(url)


def _open_as(credentials: dict, who: str):
    """The app's own database opening, logged in as ``who``'s role from the roles file."""
    row = credentials[who]
    return open_database(sa.engine.make_url(row["address"]).set(password=row["password"])
                         .render_as_string(hide_password=False))


def _scores_of(conn, code: str):
    return conn.execute(sa.text(
        "SELECT s.id, s.value, s.note FROM item_score s JOIN rating r ON r.id = s.rating_id "
        "JOIN assignment a ON a.id = r.assignment_id JOIN rater x ON x.id = a.rater_id WHERE x.code = :c"),
        {"c": code}).all()


def test_a_rater_role_sees_none_of_another_raters_scores_and_cannot_change_them(shared):
    admin, connect, _ = shared
    with admin.engine.connect() as conn:
        theirs = _scores_of(conn, "R01")
    assert len(theirs) == 16 and theirs[0].note in ("private note of R01", "")
    with connect("R02").connect() as conn:
        assert _scores_of(conn, "R01") == []
        # Even by primary key, with no join through other tables.
        assert conn.execute(sa.text("SELECT * FROM item_score WHERE id = :i"), {"i": theirs[0].id}).all() == []
        changed = conn.execute(sa.text("UPDATE item_score SET value = 0, note = 'changed' WHERE id = :i"),
                               {"i": theirs[0].id})
        assert changed.rowcount == 0
        deleted = conn.execute(sa.text("DELETE FROM item_score WHERE rating_id IN "
                                       "(SELECT rating_id FROM item_score)"))
        conn.commit()
        # Its own rows are there (deleting them is its own business); nothing else moved.
        assert deleted.rowcount == 16
        assert conn.execute(sa.text("SELECT count(*) FROM mark WHERE text LIKE '%R01%'")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM audit_event WHERE actor = 'rater:R01'")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM assignment")).scalar() == 4
        assert conn.execute(sa.text("SELECT count(*) FROM rating_conflict")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM setting WHERE key = 'coordinator_password'")).scalar() == 0
    with admin.engine.connect() as conn:
        assert _scores_of(conn, "R01") == theirs


def test_a_rater_role_cannot_write_into_another_raters_assignment(shared):
    admin, connect, _ = shared
    other = queue(admin, "R03")[0]  # R03 has not started: no rating row yet
    with connect("R02").connect() as conn:
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            conn.execute(sa.text("INSERT INTO rating (id, assignment_id, revision, started_at, updated_at, "
                                 "last_position_ms, time_spent_ms, played_intervals, played_ms) VALUES "
                                 "('x-1', :a, 0, now(), now(), 0, 0, '[]', 0)"), {"a": other})
        conn.rollback()
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("UPDATE assignment SET rater_id = rater_id"))
        conn.rollback()
    with admin.reading() as s:
        assert s.scalar(select(m.Rating).where(m.Rating.assignment_id == other)) is None


def test_the_rater_rates_through_the_app_on_their_own_role(shared):
    admin, connect, credentials = shared
    own = _open_as(credentials, "R03")
    try:
        ws = Workstation(own)
        me = rater_id(admin, "R03")
        entries = ws.queue(me)
        assert len(entries) == 4
        first = entries[0].assignment_id
        ws.open(first, me)
        for item, value in {"q1": 4, "q2": 3, "q3": 2, "q4": 1}.items():
            ws.set_response(first, me, item, value)
        mark = ws.add_mark(first, me, 5_000, "my mark")
        # What the player and the form write besides scores, all on the rater's own rows.
        ws.set_mark_evidence(first, me, mark.id, "q2", "+")
        ws.set_no_anchor(first, me, "q3", True, "between two anchors")
        ws.save_playback(first, me, 60_000, 60_000, [[0, 60_000]], None)
        ws.record_play_duration(first, me, 60_000)
        update_rater_preferences(own, me, speed=1.25)
        assert rater_preferences(own, me)["speed"] == 1.25
        ws.submit(first, me)
        # Another rater's queue is simply empty for this role.
        assert ws.queue(rater_id(admin, "R01")) == []
    finally:
        own.close()
    with admin.reading() as s:
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == first))
        assert rating.submitted_at is not None
        assert {sc.item_id: sc.value for sc in rating.scores} == {"q1": 4, "q2": 3, "q3": 2, "q4": 1}
        assert {sc.item_id: sc.no_anchor for sc in rating.scores}["q3"] is True
        assert s.scalar(select(m.Mark.polarity).where(m.Mark.rating_id == rating.id)) == "+"
        assert s.get(m.RaterPreference, me).settings["speed"] == 1.25


def test_the_coordinator_role_sees_everything(shared):
    admin, connect, _ = shared
    with admin.engine.connect() as conn:
        everything = conn.execute(sa.text("SELECT count(*) FROM item_score")).scalar()
    with connect("coordinator").connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM item_score")).scalar() == everything == 32
        assert len(_scores_of(conn, "R01")) == 16 and len(_scores_of(conn, "R02")) == 16


def test_running_it_again_keeps_passwords_and_a_new_protected_table_is_one_line(shared, monkeypatch):
    admin, connect, _ = shared
    again = apply_roles(admin)
    assert again.created == [] and again.passwords == {}
    with connect("R02").connect() as conn:  # the old password still works
        assert conn.execute(sa.text("SELECT count(*) FROM assignment")).scalar() == 4
    # A coordinator-only table added later: one more line protects it.
    with admin.transaction() as s:
        s.execute(sa.text("CREATE TABLE lab_secret (id text PRIMARY KEY, value int)"))
        s.execute(sa.text("INSERT INTO lab_secret VALUES ('g1', 3)"))
    from rater.storage import roles

    monkeypatch.setattr(roles, "POLICIES", (*POLICIES, roles.Policy("lab_secret", roles.NO_ROWS)))
    apply_roles(admin)
    with connect("R02").connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lab_secret")).scalar() == 0
    with connect("coordinator").connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lab_secret")).scalar() == 1


def test_roles_are_refused_on_sqlite_with_a_message(tmp_path):
    db = open_database(tmp_path / "lab.sqlite")
    try:
        with pytest.raises(DatabaseError, match="need the shared PostgreSQL store"):
            apply_roles(db)
    finally:
        db.close()


def test_a_rater_role_cannot_take_over_coordinator_mode(shared):
    admin, _, credentials = shared
    own = _open_as(credentials, "R02")
    try:
        # The hash is out of its sight, and writing a password of its own is refused with a message.
        assert not coordination.has_coordinator_password(own)
        with pytest.raises(DatabaseError, match="rater's login"):
            coordination.set_coordinator_password(own, "taken over")
    finally:
        own.close()
    assert coordination.check_coordinator_password(admin, PASSWORD)


def test_two_raters_whose_codes_would_share_a_role_are_refused_and_nothing_is_created(new_db_url, tmp_path):
    url = new_db_url("postgresql", "clash")
    admin = open_database(url)
    try:
        study_id = build_study(admin, tmp_path / "media", raters=2)
        with admin.transaction() as s:
            s.add(m.Rater(study_id=study_id, code="r01", name="Another person"))
        with pytest.raises(DatabaseError, match="would share the database role"):
            apply_roles(admin)
        with admin.engine.connect() as conn:
            database = sa.engine.make_url(url).database
            made = conn.execute(sa.text("SELECT count(*) FROM pg_roles WHERE starts_with(rolname, :p)"),
                                {"p": database + "_"}).scalar()
            assert made == 0
            assert conn.execute(sa.text("SELECT count(*) FROM db_role")).scalar() == 0
            assert conn.execute(sa.text("SELECT count(*) FROM pg_policies WHERE tablename = 'rating'")).scalar() == 0
    finally:
        admin.close()
        drop_database_and_roles(url)
