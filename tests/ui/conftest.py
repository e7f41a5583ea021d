"""Fixtures for widget tests: a demo database, a workstation, a window with a fake player.

The fake player widget has the real PlayerWidget's signals and methods but no
media stack, so these tests never need libVLC.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from rater.storage import models as m
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study
from rater.ui import dialogs
from rater.ui.rating import submit_dialog


class FakePlayerWidget(QWidget):
    """Records loads and seeks; ``tick`` pretends playback moved on."""

    position_changed = Signal(int)
    playing_changed = Signal(bool)
    media_error = Signal(str)
    preferences_changed = Signal(float, int)
    shortcuts_requested = Signal()
    fail_with: str | None = None  # set on the class to make every load fail
    length_ms = 120_000  # what duration_ms() reports once a load succeeded

    def __init__(self, parent: QWidget | None = None, shortcut_host: QWidget | None = None):
        super().__init__(parent)
        self.shortcut_host = shortcut_host
        self.loads: list[tuple[str, str, int]] = []
        self.seeks: list[int] = []
        self.position = 0
        self.playing = False
        self.shut_down = False

    def load(self, path: str, kind: str = "video", start_ms: int = 0) -> bool:
        self.loads.append((path, kind, start_ms))
        if self.fail_with:
            self.media_error.emit(self.fail_with)
            return False
        self.position = start_ms
        return True

    def seek_ms(self, ms: int) -> None:
        self.seeks.append(ms)
        self.position = ms
        self.position_changed.emit(ms)

    def current_position_ms(self) -> int:
        return self.position

    def duration_ms(self) -> int:
        return self.length_ms if self.loads and not self.fail_with else 0

    def play(self) -> None:
        self.playing = True
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self.playing_changed.emit(False)

    def is_playing(self) -> bool:
        return self.playing

    def shortcuts(self) -> list[tuple[str, str]]:
        return [("Play / pause", "Ctrl+Space, F5"), ("Back 5 seconds", "Ctrl+Left")]

    def shutdown(self) -> None:
        self.shut_down = True

    def set_preferences(self, rate, volume) -> None:
        self.preferences = (rate, volume)

    def apply_bindings(self, bindings) -> None:
        self.applied_bindings = dict(bindings)

    def bindings(self):
        return dict(getattr(self, "applied_bindings", {}))

    def show_waveform(self, path, checksum, cache_dir) -> None:
        self.waveform_source = (path, checksum, cache_dir)

    def set_marks(self, positions) -> None:
        self.marks = list(positions)

    def set_segment(self, segment) -> None:
        self.segment = segment

    def tick(self, ms: int) -> None:
        self.position = ms
        self.position_changed.emit(ms)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "ratings.sqlite")
    create_demo_study(database)
    yield database
    database.close()


@pytest.fixture
def ws(db):
    return Workstation(db)


@pytest.fixture
def fake_player_class():
    return FakePlayerWidget


@pytest.fixture
def players():
    """Every fake player widget created, newest last."""
    return []


@pytest.fixture
def player_factory(players):
    def make(parent, shortcut_host):
        widget = FakePlayerWidget(parent, shortcut_host)
        players.append(widget)
        return widget

    return make


class DialogLog:
    """Answers modal dialogs and remembers what was asked."""

    def __init__(self):
        self.confirm_answer = True
        self.pin: str | None = None
        self.reason: str | None = None  # typed when submitting a rating whose recording was not played
        self.reasons_asked: list[str] = []  # what the rater was told each time
        self.confirms: list[str] = []
        self.messages: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def answered_dialogs(monkeypatch):
    log = DialogLog()

    def confirm(parent, title, text, ok="OK", default_ok=True):
        log.confirms.append(title)
        return log.confirm_answer

    monkeypatch.setattr(dialogs, "confirm", confirm)
    monkeypatch.setattr(dialogs, "warn", lambda parent, title, text: log.messages.append((title, text)))
    monkeypatch.setattr(dialogs, "error", lambda parent, title, text: log.messages.append((title, text)))
    monkeypatch.setattr(dialogs, "ask_pin", lambda parent, name: log.pin)

    def ask_reason(parent, check, player_problem=""):
        log.reasons_asked.append(f"{check.message()} {player_problem}".strip())
        return log.reason

    monkeypatch.setattr(submit_dialog, "ask_reason", ask_reason)
    return log


@pytest.fixture
def window(qtbot, ws, player_factory):
    from rater.ui.main_window import MainWindow

    win = MainWindow(ws, player_factory)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    # Keyboard focus needs an active window (under Xvfb there is no window manager to activate it).
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def rater_named(ws: Workstation, name: str):
    """The RaterInfo of a demo rater."""
    return next(r for r in ws.raters() if r.name == name)


def assignment_for(db, rater_name: str, patient: str, number: int, instrument_key: str) -> str:
    with db.reading() as s:
        return s.scalar(
            select(m.Assignment.id)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .where(m.Rater.name == rater_name, m.Patient.code == patient, m.Session.number == number,
                   m.InstrumentRecord.key == instrument_key)
        )


@pytest.fixture
def open_rating(window, ws, db):
    """``open_rating(rater, patient, session number, instrument key)`` → the rating page."""

    def open_(rater_name: str, patient: str, number: int, instrument_key: str):
        window.choose_rater(rater_named(ws, rater_name))
        window.open_assignment(assignment_for(db, rater_name, patient, number, instrument_key))
        assert window.rating_page is not None
        return window.rating_page

    return open_
