"""The rating page with the real PlayerWidget over a fake media backend (no libVLC)."""

from __future__ import annotations

import pytest

from rater.media.base import MediaInfo, PlayerCallbacks, PlayerState


class FakeBackend:
    """The smallest Player: remembers seeks, never touches a device."""

    backend_name = "Fake backend"

    def __init__(self):
        self.seeks: list[int] = []
        self._state = PlayerState.EMPTY
        self._pos = 0

    def set_callbacks(self, callbacks: PlayerCallbacks) -> None:
        self.callbacks = callbacks

    def set_window(self, win_id: int) -> None:
        pass

    def load(self, path: str, start_ms: int = 0) -> MediaInfo:
        self._state, self._pos = PlayerState.PAUSED, start_ms
        self.opened_at = start_ms
        return MediaInfo(120_000, True, True)

    def play(self) -> None:
        self._state = PlayerState.PLAYING

    def pause(self) -> None:
        self._state = PlayerState.PAUSED

    def stop(self) -> None:
        self._state, self._pos = PlayerState.PAUSED, 0

    def seek_ms(self, ms: int) -> None:
        self.seeks.append(ms)
        self._pos = ms

    def position_ms(self) -> int:
        return self._pos

    def duration_ms(self) -> int:
        return 120_000

    def state(self) -> PlayerState:
        return self._state

    def set_rate(self, rate: float) -> None:
        pass

    def rate(self) -> float:
        return 1.0

    def set_volume(self, volume: int) -> None:
        pass

    def volume(self) -> int:
        return 100

    def close(self) -> None:
        self._state = PlayerState.EMPTY


@pytest.fixture
def backends():
    return []


@pytest.fixture
def player_factory(backends):
    from rater.ui.player import PlayerWidget

    def make_backend():
        backend = FakeBackend()
        backends.append(backend)
        return backend

    return lambda parent, host: PlayerWidget(parent, shortcut_host=host, player_factory=make_backend)


def test_resume_marks_and_help_through_the_real_player_widget(window, ws, db, open_rating, backends):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assignment = page.view.assignment_id
    assert page.player_area.loaded
    page.seek_to(33_000)
    assert backends[-1].seeks[-1] == 33_000
    page.session.add_mark(page.current_position(), "homework assigned")
    assert [mk.position_ms for mk in ws.open(assignment, page.view.rater_id).marks] == [33_000]
    labels = [label for label, _keys in page.player_area.shortcuts()]
    assert "Play / pause" in labels

    window.back_to_queue()
    window.open_assignment(assignment)
    assert backends[-1].opened_at == 33_000  # resumed where the rater left off


def test_loading_does_not_record_a_jump_to_zero(monkeypatch, window, ws, open_rating, backends):
    from rater.study.rating.workstation import Workstation

    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assignment, rater = page.view.assignment_id, page.view.rater_id
    page.seek_to(40_000)
    window.back_to_queue()
    saved = []
    real = Workstation.save_playback

    def spy(self, assignment_id, rater_id, position_ms, *args, **kwargs):
        saved.append(position_ms)
        return real(self, assignment_id, rater_id, position_ms, *args, **kwargs)

    monkeypatch.setattr(Workstation, "save_playback", spy)
    window.open_assignment(assignment)
    # The player passes through 0 while loading, before seeking to the resume point:
    # that must not be written as where the rater is.
    window.back_to_queue()
    assert saved and 0 not in saved
    assert ws.open(assignment, rater).last_position_ms == 40_000


def test_the_length_the_player_reports_is_kept_with_the_rating(db, open_rating, backends):
    from sqlalchemy import select

    from rater.storage import models as m

    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    with db.reading() as s:
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == page.view.assignment_id))
    assert rating.duration_ms == 120_000 == backends[-1].duration_ms()
