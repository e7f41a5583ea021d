"""Fixtures for coordinator-mode tests: a password, an open coordinator page, answered questions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool

from rater.storage import open_database
from rater.study.setup import coordination
from rater.ui.coordinator import asks
from tests.ui.coordinator.coordinator_helpers import PASSWORD, open_coordinator


@pytest.fixture(autouse=True)
def _checks_done():
    """Password checks run on the thread pool; none may outlive its test's database."""
    yield
    QThreadPool.globalInstance().waitForDone(35_000)


class Answers:
    """Answers to :mod:`rater.ui.coordinator.asks` questions, in order; records the questions."""

    def __init__(self):
        self.queue: list = []
        self.asked: list[str] = []

    def answer(self, title: str):
        self.asked.append(title)
        return self.queue.pop(0) if self.queue else None


@pytest.fixture(autouse=True)
def answers(monkeypatch):
    a = Answers()
    monkeypatch.setattr(asks, "text", lambda parent, title, label, value="": a.answer(title))
    monkeypatch.setattr(asks, "secret", lambda parent, title, label: a.answer(title))
    monkeypatch.setattr(asks, "choice", lambda parent, title, label, options, current=0: a.answer(title))
    monkeypatch.setattr(asks, "reason", lambda parent, title, label: a.answer(title))
    return a


@pytest.fixture
def coordinator(qtbot, window, db):
    """The coordinator page of the demo database's window, after the right password."""
    coordination.set_coordinator_password(db, PASSWORD)
    return open_coordinator(qtbot, window)


@pytest.fixture
def empty_window(qtbot, tmp_path, player_factory):
    """A window on an empty database (no study at all)."""
    from rater.study.rating.workstation import Workstation
    from rater.ui.main_window import MainWindow

    database = open_database(tmp_path / "empty.sqlite")
    win = MainWindow(Workstation(database), player_factory)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    database.close()
