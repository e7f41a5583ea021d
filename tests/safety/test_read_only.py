"""Reads never wait for a writer; a database on read-only media can still be read; new files are owner-only."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from rater.storage import open_database
from rater.storage.database import DatabaseError

from .conftest import rater_cli

READS = [
    ("status",),
    ("reliability",),
    ("export", "--out", "{out}/pooled.xlsx", "--csv", "{out}/csv", "--quiet"),
]


def _read_argv(words: tuple[str, ...], lab, out: Path) -> list[str]:
    return [w.format(out=out) for w in words] + ["--db", str(lab.db), "--password-file", str(lab.password_file)]


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _read_only_prefix(folder: Path) -> tuple[str, ...]:
    """A command prefix under which ``folder`` is really read-only, for root too.

    Root ignores permission bits, so for root the folder is bind-mounted
    read-only in a private mount namespace (nothing changes outside the
    command); other users get the permission bits taken away.
    """
    if os.geteuid() != 0:
        for path in (*folder.iterdir(), folder):
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        return ()
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare(1): no way to make a read-only mount for the test")
    prefix = ("unshare", "--mount", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder))
    probe = subprocess.run([*prefix, "touch", str(folder / "probe")], capture_output=True, text=True)
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot bind-mount read-only here (no CAP_SYS_ADMIN?): {probe.stderr.strip()}")
    return prefix


@pytest.fixture
def read_only_lab(lab, tmp_path):
    folder = lab.db.parent / "readonly"
    folder.mkdir()
    moved = folder / lab.db.name
    lab.db.rename(moved)
    for suffix in ("-wal", "-shm"):
        assert not Path(str(lab.db) + suffix).exists()  # closed cleanly: everything is in the file
    ro = type(lab)(moved, lab.password_file, lab.wrong_password_file)
    yield ro, _read_only_prefix(folder)
    for path in (folder, *folder.iterdir()):
        path.chmod(0o700)


@pytest.mark.parametrize("words", READS, ids=[w[0] for w in READS])
def test_reads_work_on_a_database_on_read_only_media(read_only_lab, tmp_path, words):
    lab, prefix = read_only_lab
    before = _files(lab.db.parent)
    out = tmp_path / "out"
    out.mkdir()
    result = rater_cli(*_read_argv(words, lab, out), data_dir=tmp_path / "data", prefix=prefix)
    assert result.returncode == 0, result
    if words[0] == "status":
        assert "Team 1" in result.stdout and "12" in result.stdout
    if words[0] == "reliability":
        assert "ICC" in result.stdout
    if words[0] == "export":
        assert (out / "pooled.xlsx").stat().st_size > 0 and "12 ratings" in result.stdout
    # Not a byte changed, and no -wal/-shm/lock file appeared beside it.
    assert _files(lab.db.parent) == before


def test_writes_on_read_only_media_are_refused_with_a_message(read_only_lab, tmp_path):
    lab, prefix = read_only_lab
    before = _files(lab.db.parent)
    result = rater_cli("assign", "--db", str(lab.db), "--password-file", str(lab.password_file),
                       data_dir=tmp_path / "data", prefix=prefix)
    assert result.returncode == 2 and "is read-only" in result.stderr and "Traceback" not in result.stderr
    assert _files(lab.db.parent) == before


def test_wrong_passwords_on_read_only_media_still_slow_down(read_only_lab, tmp_path):
    lab, prefix = read_only_lab
    data = tmp_path / "data"
    result = rater_cli("status", "--db", str(lab.db), "--password-file", str(lab.wrong_password_file),
                       data_dir=data, prefix=prefix)
    assert result.returncode == 3
    kept = list((data / "password-backoff").glob("*.json"))
    assert len(kept) == 1 and '"count": 1' in kept[0].read_text()
    assert oct(kept[0].stat().st_mode & 0o777) == "0o600"


def test_reads_do_not_wait_for_another_process_writing(lab, tmp_path):
    # Another process holds SQLite's write lock (an open write transaction) for the whole test.
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(lab.db)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"UPDATE rater SET name = name || ' (being renamed)'\")\n"
        "print('holding', flush=True)\n"
        "time.sleep(120)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "holding"
        out = tmp_path / "out"
        out.mkdir()
        for words in READS:
            result = rater_cli(*_read_argv(words, lab, out), data_dir=tmp_path / "data")
            assert result.returncode == 0, result
            assert "locked" not in result.stderr
            # What they read is the last committed state, not the uncommitted rename.
            assert "being renamed" not in result.stdout
        assert (out / "pooled.xlsx").exists()
        assert sqlite3.connect(lab.db).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        writer.kill()
        writer.wait()


def test_a_new_database_its_folder_and_its_backups_are_owner_only(tmp_path):
    old = os.umask(0o022)  # the usual umask, under which SQLite alone would make the file 0644
    try:
        path = tmp_path / "new" / "lab.sqlite"
        db = open_database(path)
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        with db.transaction() as s:
            s.execute(text("SELECT 1"))
        modes = {p.name: oct(p.stat().st_mode & 0o777) for p in (path, wal, shm) if p.exists()}
        assert modes[path.name] == "0o600" and set(modes.values()) == {"0o600"}
        assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
        db.close()
        # An older schema is upgraded after a backup copy: the copy is owner-only too.
        from alembic import command
        from alembic.config import Config

        from rater.storage.migrate import MIGRATIONS

        engine = sa.create_engine(f"sqlite:///{path}")
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002_pooling")
            conn.commit()
        engine.dispose()
        open_database(path).close()
        backups = list(path.parent.glob("lab.backup-0002_pooling-*.sqlite"))
        assert len(backups) == 1 and oct(backups[0].stat().st_mode & 0o777) == "0o600"
    finally:
        os.umask(old)
    from rater.paths import data_dir

    assert oct(data_dir().stat().st_mode & 0o777) == "0o700"


def test_reading_a_missing_database_creates_nothing(tmp_path):
    with pytest.raises(DatabaseError, match="no database file"):
        open_database(tmp_path / "typo.sqlite", reading_only=True)
    assert list(tmp_path.iterdir()) == []
