"""SmoothClock with a fake monotonic clock: no media, no threads."""

from __future__ import annotations

from rater.media.clock import MAX_EXTRAPOLATION_S, SETTLE_TIMEOUT_S, SmoothClock


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_interpolates_between_coarse_native_updates():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.run(0)
    assert clock.sample(0) == 0
    now.t += 0.1
    assert clock.sample(0) == 100
    now.t += 0.15
    assert clock.sample(250) == 250  # re-anchored on the fresh native value
    now.t += 0.05
    assert clock.sample(250) == 300


def test_never_runs_backwards_while_playing():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.run(0)
    now.t += 0.3
    assert clock.sample(0) == 300
    assert clock.sample(280) == 300  # native lags the estimate a little


def test_extrapolation_stops_when_native_stalls():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.reset(1000)
    clock.run(1000)
    now.t += 5.0
    assert clock.sample(1000) == 1000 + int(MAX_EXTRAPOLATION_S * 1000)


def test_hold_waits_for_a_fresh_native_value_near_the_target():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.run(5000)
    clock.hold(30_000, ignore=(5000,))
    now.t += 0.1
    assert clock.sample(5000) == 30_000  # stale pre-seek value
    assert clock.sample(30_000) == 30_000  # libVLC's echo of the target
    assert clock.sample(5250) == 30_000  # old position still ticking
    now.t += 0.2
    assert clock.sample(30_300) == 30_300
    now.t += 0.1
    assert clock.sample(30_300) == 30_400


def test_hold_gives_up_waiting_after_a_timeout():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.run(0)
    clock.hold(10_000)
    now.t += SETTLE_TIMEOUT_S + 0.1
    assert clock.sample(9_000) == 9_000


def test_halt_freezes_and_rate_scales_extrapolation():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.run(0)
    clock.sample(100)
    clock.set_rate(2.0)
    now.t += 0.2
    assert clock.sample(100) == 500
    assert clock.halt() == 500
    now.t += 1.0
    assert clock.sample(100) == 500


def test_reset_allows_jumping_back():
    now = FakeTime()
    clock = SmoothClock(now)
    clock.run(0)
    now.t += 0.5
    clock.sample(500)
    clock.reset(0)
    assert clock.sample(-1) == 0
