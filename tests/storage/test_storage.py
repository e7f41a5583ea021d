"""Opening databases: pragmas, migrations with backups, and every way a file can be wrong."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import text

from rater.storage import DatabaseError, migrate, open_database
from rater.storage import database as dbmod
from rater.storage.lock import AppLock


def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(sqlite_db):
    db = sqlite_db
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_schema_head_constant_matches_alembic():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == migrate.SCHEMA_HEAD
    assert {r.revision for r in script.walk_revisions()} == set(migrate.KNOWN_REVISIONS)


def test_new_database_is_created_at_head_without_backup(tmp_path):
    db = open_database(tmp_path / "new.sqlite")
    assert migrate.current_revision(db) == migrate.SCHEMA_HEAD
    assert not list(tmp_path.glob("*.backup-*"))


def test_existing_data_is_backed_up_before_migrating(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE legacy (x INTEGER)")
    con.execute("INSERT INTO legacy VALUES (42)")
    con.commit()
    con.close()
    db = open_database(path)
    assert migrate.current_revision(db) == migrate.SCHEMA_HEAD
    backups = list(tmp_path.glob("old.backup-unversioned-*.sqlite"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("SELECT x FROM legacy").fetchone() == (42,)


def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    open_database(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="newer version of Session Rater"):
        open_database(path)


def test_a_file_that_is_not_a_database_is_left_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("shopping list: milk, eggs\n")
    with pytest.raises(DatabaseError) as info:
        open_database(path)
    assert info.value.kind == "not_a_database" and "not a Session Rater database" in str(info.value)
    assert path.read_text() == "shopping list: milk, eggs\n"


def test_read_only_database_is_explained(tmp_path, monkeypatch):
    path = tmp_path / "ro.sqlite"
    open_database(path).close()
    # Tests may run as root, for whom chmod does not stop writes: ask the same question the code asks.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(path) else real_access(p, mode))
    with pytest.raises(DatabaseError) as info:
        open_database(path)
    assert info.value.kind == "read_only" and "read-only" in str(info.value)


def test_second_copy_of_the_app_is_refused_by_the_lock(tmp_path):
    path = tmp_path / "lab.sqlite"
    first = AppLock(path)
    first.acquire()
    with pytest.raises(DatabaseError) as info:
        AppLock(path).acquire()
    assert info.value.kind == "locked" and str(os.getpid()) in str(info.value)
    first.release()
    again = AppLock(path)
    again.acquire()
    again.release()


def test_write_while_another_process_holds_the_lock_is_reported(tmp_path, monkeypatch, sqlite_demo):
    db, ws, _ = sqlite_demo
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    db2 = open_database(db.path)
    from rater.study.rating.workstation import Workstation

    ws2 = Workstation(db2)
    rater = ws2.raters()[0]
    entry = ws2.queue(rater.id)[0]
    ws2.open(entry.assignment_id, rater.id)
    blocker = sqlite3.connect(db.path, timeout=0.1)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseError) as info:
            ws2.set_response(entry.assignment_id, rater.id, "asg1", 2)
        assert info.value.kind == "locked"
    finally:
        blocker.rollback()
        blocker.close()
    ws2.set_response(entry.assignment_id, rater.id, "asg1", 2)
    assert ws2.open(entry.assignment_id, rater.id).responses["asg1"].value == 2


def test_disk_full_during_a_save_loses_nothing_already_saved(sqlite_demo):
    db, ws, _ = sqlite_demo
    rater = ws.raters()[0]
    entry = ws.queue(rater.id)[0]
    ws.open(entry.assignment_id, rater.id)
    ws.set_response(entry.assignment_id, rater.id, "asg1", 3)
    # SQLite reports SQLITE_FULL exactly as for a full disk when the page limit is reached.
    from sqlalchemy import event

    def cap(dbapi_conn, _record):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    db.engine.dispose()
    event.listen(db.engine, "connect", cap)
    with pytest.raises(DatabaseError) as info:
        for i in range(400):
            ws.add_mark(entry.assignment_id, rater.id, i, "x" * 2000)
    assert info.value.kind == "disk_full" and "disk is full" in str(info.value)
    event.remove(db.engine, "connect", cap)
    db.engine.dispose()
    view = ws.open(entry.assignment_id, rater.id)
    assert view.responses["asg1"].value == 3
    assert all(mk.text == "x" * 2000 for mk in view.marks)


def test_schema_is_created_by_migrations_on_both_backends(db):
    assert migrate.current_revision(db) == migrate.SCHEMA_HEAD
    with db.engine.connect() as conn:
        from sqlalchemy import inspect

        tables = set(inspect(conn).get_table_names())
    assert {"study", "rating", "item_score", "audit_event", "assignment"} <= tables


def test_unreachable_server_is_explained():
    with pytest.raises(DatabaseError) as info:
        open_database("postgresql+psycopg://rater@127.0.0.1:1/nowhere?connect_timeout=2")
    assert info.value.kind == "unreachable" and "cannot be reached" in str(info.value)


def test_connection_dropped_mid_rating_then_recovers(demo):
    db, ws, _ = demo
    if db.is_sqlite:
        pytest.skip("a dropped server connection is a PostgreSQL matter")
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    ws.set_response(aid, rater.id, "asg1", 1)
    # The server kills every other connection to this database, as a restart or network cut would.
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    ws.set_response(aid, rater.id, "asg2", 2)  # pool_pre_ping replaces the dead connection
    view = ws.open(aid, rater.id)
    assert view.responses["asg1"].value == 1 and view.responses["asg2"].value == 2
