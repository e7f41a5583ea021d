"""Test-wide set-up: Qt platform choice, a private data folder, and the no-Qt mode.

``RATER_BLOCK_QT=1`` makes PySide6 and vlc unimportable, proving the core runs
without them (scripts/run-tests.sh runs tests/core and tests/stats that way).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import tempfile

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
