"""Schema migrations (Alembic) with a backup copy of the database before any upgrade."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text

from rater.storage.database import Database, DatabaseError, create_private_file

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions; a test keeps it equal to Alembic's head.
# Known here so opening an up-to-date database does not need to import Alembic.
SCHEMA_HEAD = "0006_training"
KNOWN_REVISIONS = ("0001_initial", "0002_pooling", "0003_safety", "0004_quality", "0005_player", "0006_training")


def current_revision(db: Database) -> str | None:
    # A read connection: opening an up-to-date database must not wait for another process's write.
    with db.read_connection() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_current(db: Database) -> None:
    rev = current_revision(db)
    if rev != SCHEMA_HEAD:
        hint = (" It cannot be upgraded where it is (read-only): copy it to a writable folder and open the copy."
                if db.read_only else "")
        raise DatabaseError(f"The database schema is at {rev or 'no version'}, this program needs {SCHEMA_HEAD}."
                            + hint, "read_only" if db.read_only else "error")


def ensure_current(db: Database) -> Path | None:
    """Create or upgrade the schema; returns the backup made before an upgrade, if any."""
    rev = current_revision(db)
    if rev == SCHEMA_HEAD:
        return None
    if rev is not None and rev not in KNOWN_REVISIONS:
        raise DatabaseError(
            f"This database was written by a newer version of Session Rater (schema {rev}). "
            "Update the program before opening it."
        )
    backup = None
    if rev is not None or _has_tables(db):
        backup = backup_sqlite(db, label=rev or "unversioned")
    upgrade(db)
    return backup


def _has_tables(db: Database) -> bool:
    with db.read_connection() as conn:
        return bool(inspect(conn).get_table_names())


def upgrade(db: Database, target: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
        conn.commit()
    log.info("database schema upgraded to %s", target)


def backup_sqlite(db: Database, label: str) -> Path | None:
    """Copy the SQLite file (consistently, through SQLite's backup API) next to itself."""
    path = db.path
    if path is None or not path.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{label}-{stamp}{path.suffix}")
    # The backup holds every rating: owner-only, like the database itself.
    create_private_file(target)
    src = sqlite3.connect(str(path))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    log.info("backed up %s to %s before migrating", path, target)
    return target
