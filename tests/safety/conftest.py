"""A rated study on an SQLite file with a coordinator password, and the ``rater`` command in a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from pooling.helpers import build_study, queue, rate

from rater.storage import open_database
from rater.study.setup import coordination

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "lab manager 2026"


@dataclass(frozen=True)
class Lab:
    db: Path
    password_file: Path
    wrong_password_file: Path


def scores(code: str, index: int) -> dict[str, int]:
    """Distinct, deterministic scores per rater and assignment (reliability has variance to work on)."""
    shift = int(code[1:])
    return {f"q{i}": (index + i + (shift if i == 2 else 0)) % 5 for i in (1, 2, 3, 4)}


def build_lab(folder: Path, raters: int = 3) -> Path:
    """A study where every rater has rated and submitted every session; the coordinator password set."""
    path = folder / "lab.sqlite"
    db = open_database(path)
    build_study(db, folder / "media", raters=raters)
    for r in range(1, raters + 1):
        code = f"R{r:02d}"
        for index, assignment_id in enumerate(queue(db, code)):
            rate(db, code, assignment_id, scores(code, index), notes={"q1": f"note by {code}"}, submit=True)
    coordination.set_coordinator_password(db, PASSWORD)
    db.close()
    return path


@pytest.fixture(scope="session")
def _lab_template(tmp_path_factory) -> Path:
    """Built once per run; each test gets its own copy."""
    return build_lab(tmp_path_factory.mktemp("lab-template"))


@pytest.fixture
def lab(tmp_path, _lab_template) -> Lab:
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    right, wrong = secrets / "password", secrets / "wrong"
    right.write_text(PASSWORD + "\n")
    wrong.write_text("not the password\n")
    db = tmp_path / "lab.sqlite"
    shutil.copyfile(_lab_template, db)  # closed cleanly: the whole database is in the one file
    return Lab(db, right, wrong)


def rater_cli(*argv: str, data_dir: Path, prefix: tuple[str, ...] = (), timeout: float = 120,
              stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """``rater ARGV`` in its own process (no terminal: stdin is not a tty)."""
    env = {**os.environ, "RATER_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([*prefix, sys.executable, "-m", "rater", *argv], cwd=ROOT, env=env, stdin=stdin,
                          capture_output=True, text=True, timeout=timeout)


def drop_database_and_roles(url: str) -> None:
    # Roles are server-wide: drop the database first (its grants go with it), then its roles.
    database = sa.engine.make_url(url).database
    server = sa.create_engine(os.environ["RATER_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        roles = conn.execute(sa.text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"),
                             {"p": database + "_"}).scalars().all()
        for role in roles:
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
    server.dispose()
