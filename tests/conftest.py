"""Test-wide set-up: Qt platform choice, a private data folder, and the no-Qt mode.

``RATER_BLOCK_QT=1`` makes PySide6 and vlc unimportable, proving the core runs
without them (scripts/run-tests.sh runs tests/core and tests/stats that way).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import tempfile
import uuid

import pytest

BLOCKED = ("PySide6", "shiboken6", "vlc")


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: the core must not need it")
        return None


if os.environ.get("RATER_BLOCK_QT") == "1":
    sys.meta_path.insert(0, _Blocker())

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="rater-xdg-"))
os.chmod(os.environ["XDG_RUNTIME_DIR"], 0o700)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # Decided here, not at import time: pytest-xvfb sets DISPLAY in its own
    # pytest_configure, which runs before this one.
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "xcb" if os.environ.get("DISPLAY") else "offscreen"


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    data = tmp_path / "rater-data"
    monkeypatch.setenv("RATER_DATA_DIR", str(data))
    return data


PG_URL = os.environ.get("RATER_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database on each backend: an SQLite file, and a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "study.sqlite")
        return
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("RATER_TEST_PG_URL is not set: scripts/run-tests.sh starts PostgreSQL for CI")
        pytest.skip("no PostgreSQL server: scripts/run-tests.sh starts one and sets RATER_TEST_PG_URL")
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"rater_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
