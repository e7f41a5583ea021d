"""PlayerController: polling only while playing, queued backend events, load errors."""

from __future__ import annotations

import threading

import pytest
from media_fakes import FakePlayer

from rater.media.base import MediaError
from rater.ui.player import PlayerController

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def rig(qapp):
    fake = FakePlayer()
    controller = PlayerController(fake)
    yield controller, fake
    controller.close()


def test_polls_only_while_playing(rig, qtbot):
    controller, fake = rig
    assert controller.load("/data/a.mp4")
    assert not controller._timer.isActive()
    controller.play()
    assert controller._timer.isActive()
    fake.advance(1_000)
    with qtbot.waitSignal(controller.position_changed) as sig:
        pass
    assert sig.args == [1_000]
    controller.pause()
    assert not controller._timer.isActive()


def test_load_emits_duration_position_or_error(rig, qtbot):
    controller, fake = rig
    with qtbot.waitSignals([controller.duration_changed, controller.position_changed]):
        assert controller.load("/data/a.mp4")
    assert controller.media_info.duration_ms == 120_000
    fake.fail_with = MediaError("The recording file is empty (0 bytes): /data/b.mp4")
    with qtbot.waitSignal(controller.error) as sig:
        assert not controller.load("/data/b.mp4")
    assert sig.args == ["The recording file is empty (0 bytes): /data/b.mp4"]
    assert controller.media_info is None


def test_skip_is_relative_and_never_negative(rig):
    controller, fake = rig
    controller.load("/data/a.mp4")
    controller.seek_ms(10_000)
    controller.skip(-30_000)
    assert fake.calls[-1] == ("seek_ms", 0)
    controller.skip(5_000)
    assert fake.calls[-1] == ("seek_ms", 5_000)


def test_backend_thread_events_become_gui_thread_signals(rig, qtbot):
    controller, fake = rig
    controller.load("/data/a.mp4")
    controller.play()
    seen_on = []
    controller.end_reached.connect(lambda: seen_on.append(threading.current_thread()))
    with qtbot.waitSignal(controller.end_reached):
        fake.finish_from_thread().join()
    assert seen_on == [threading.main_thread()]
    assert not controller._timer.isActive()
    assert controller.position_ms() == 120_000


def test_stale_queued_state_does_not_stop_polling(rig, qtbot):
    controller, fake = rig
    controller.load("/data/a.mp4")
    controller.play()
    controller.pause()
    controller.play()  # "paused" is still queued behind this
    with qtbot.waitSignals([controller.state_changed] * 3):
        pass
    assert controller._timer.isActive()
