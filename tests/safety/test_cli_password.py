"""Coordinator-only commands ask for the coordinator password, in real processes, and the slow-down persists."""

from __future__ import annotations

import os
import pty
import select
import sys
import time

import pytest

from rater.storage import open_database
from rater.study import backoff
from rater.study.setup import coordination

from .conftest import PASSWORD, ROOT, rater_cli

# Every coordinator-only command that reads a database, and the files it would write.
REFUSED = [
    ("export --db {db} --out {tmp}/pooled.xlsx --csv {tmp}/csv", ("pooled.xlsx", "csv")),
    ("status --db {db}", ()),
    ("reliability --db {db}", ()),
    ("assign --db {db} --seed 1", ()),
    ("package export --db {db} --out {tmp}/desk.srpkg", ("desk.srpkg",)),
    ("package export-study --db {db} --out {tmp}/study.srpkg", ("study.srpkg",)),
    ("package import-study --db {db} {tmp}/study.srpkg", ()),
    ("package import --db {db} {tmp}/desk.srpkg", ()),
    ("package conflicts --db {db}", ()),
    ("package resolve --db {db} 0000 --keep stored --reason x", ()),
    ("ratings import --db {db} {tmp}/legacy.csv", ()),
    ("study create --db {db} rater/resources/studies/homework_ct.toml", ()),
    ("study import-recordings --db {db} --no-probe {tmp}/media", ()),
    ("segment --db {db} 10:00-30:00", ()),
]


def _dump(path) -> bytes:
    """The database's whole content, to prove a refused command changed nothing."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump()).encode()
    finally:
        con.close()


@pytest.mark.parametrize("template, outputs", REFUSED, ids=[t.split(" --")[0] for t, _ in REFUSED])
def test_every_coordinator_command_refuses_without_the_password(lab, tmp_path, template, outputs):
    (tmp_path / "legacy.csv").write_text("rater_id,instrument,item,score,session_id\n")
    before = _dump(lab.db)
    argv = template.format(db=lab.db, tmp=tmp_path).split()
    result = rater_cli(*argv, data_dir=tmp_path / "data")
    assert result.returncode == 3, result
    assert "coordinator password with --password-file" in result.stderr
    assert "Traceback" not in result.stderr
    assert "R01" not in result.stdout and "note by" not in result.stdout
    for name in outputs:
        assert not (tmp_path / name).exists()
    assert _dump(lab.db) == before


def test_a_wrong_password_file_is_refused_and_the_right_one_exports(lab, tmp_path):
    out = tmp_path / "pooled.xlsx"
    wrong = rater_cli("export", "--db", str(lab.db), "--out", str(out), "--password-file",
                      str(lab.wrong_password_file), data_dir=tmp_path / "data")
    assert wrong.returncode == 3 and "wrong coordinator password" in wrong.stderr
    assert not out.exists()
    # The slow-down recorded by that process is seen by this one.
    db = open_database(lab.db)
    try:
        assert 0 < backoff.wait_seconds(db) <= 1.0
    finally:
        db.close()
    right = rater_cli("export", "--db", str(lab.db), "--out", str(out), "--quiet", "--password-file",
                      str(lab.password_file), data_dir=tmp_path / "data")
    assert right.returncode == 0, right
    assert out.exists() and "12 ratings" in right.stdout


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("\n\n", "is empty"),
    (b"\xff\xfe\x00bad", "cannot read the password file"),
])
def test_an_unusable_password_file_gives_a_message(lab, tmp_path, content, message):
    bad = tmp_path / "bad-password"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    result = rater_cli("status", "--db", str(lab.db), "--password-file", str(bad), data_dir=tmp_path / "data")
    assert result.returncode == 3 and message in result.stderr and "Traceback" not in result.stderr


def test_a_missing_password_file_gives_a_message(lab, tmp_path):
    result = rater_cli("status", "--db", str(lab.db), "--password-file", str(tmp_path / "nope"),
                       data_dir=tmp_path / "data")
    assert result.returncode == 3 and "cannot read the password file" in result.stderr


def test_the_slow_down_carries_over_to_the_next_process(lab, tmp_path):
    data = tmp_path / "data"
    for _ in range(3):
        wrong = rater_cli("status", "--db", str(lab.db), "--password-file", str(lab.wrong_password_file),
                          data_dir=data)
        assert wrong.returncode == 3 and "wrong coordinator password" in wrong.stderr
    db = open_database(lab.db)
    try:
        wait = backoff.wait_seconds(db)
        # Three failures: the next check waits up to 4 s, whichever process makes it.
        assert 2.0 < wait <= 4.0
    finally:
        db.close()
    started = time.monotonic()
    result = rater_cli("status", "--db", str(lab.db), "--password-file", str(lab.password_file), data_dir=data)
    assert result.returncode == 0
    assert time.monotonic() - started >= wait - 0.5
    db = open_database(lab.db)
    try:
        assert backoff.wait_seconds(db) == 0  # the right password clears it
    finally:
        db.close()


def test_the_password_is_asked_for_on_a_terminal(lab, tmp_path):
    env = {**os.environ, "RATER_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as a coordinator's shell would be
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "rater", "status", "--db", str(lab.db)], env)
    output = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"Coordinator password:" in output:
            os.write(fd, PASSWORD.encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert answered, output
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert PASSWORD.encode() not in output  # not echoed
    assert b"Teams" in output


def test_a_database_without_a_password_yet_is_open_to_the_command_with_a_note(tmp_path):
    db = open_database(tmp_path / "fresh.sqlite")
    assert not coordination.has_coordinator_password(db)
    db.close()
    result = rater_cli("status", "--db", str(tmp_path / "fresh.sqlite"), data_dir=tmp_path / "data")
    assert "no coordinator password is set for this database yet" in result.stderr
    assert "holds no study yet" in result.stderr


def test_help_says_which_commands_are_coordinator_only(tmp_path):
    top = rater_cli("--help", data_dir=tmp_path / "data").stdout
    for command in ("study", "status", "assign", "package", "export", "ratings", "db", "segment"):
        line = next(x for x in top.splitlines() if x.strip().startswith(command + " "))
        assert "[coordinator]" in line, line
    assert "[coordinator]" not in next(x for x in top.splitlines() if x.strip().startswith("instruments "))
    assert "coordinator password" in top
    export = rater_cli("export", "--help", data_dir=tmp_path / "data").stdout
    assert "--password-file" in export and "Coordinator-only" in export
