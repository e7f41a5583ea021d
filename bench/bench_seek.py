"""Seek landing error and latency on generated 30-minute recordings, six containers.

    python bench/bench_seek.py [--minutes 30] [--seeks 20]

Files are generated once with ffmpeg into $RATER_BENCH_MEDIA (default
~/.cache/rater-bench) and reused: frame-coded video (mp4/H.264, mkv, webm)
and click tracks (wav, mp3, m4a); tests/media/landing.py explains how the
landing point is read off the picture or the sound.  For each container the
same random targets (forwards and backwards over the whole file) are sought
through the app's VlcPlayer and, as the floor, through a bare python-vlc
player calling ``set_time`` itself.  Video is measured seeking during
playback and seeking while paused then playing; audio opening at the target
and playing.  Prints |error| p50/p95/max and latency p50/p95 beside the floor.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "media")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from generated import make_clicks, make_video  # noqa: E402
from landing import ClickListener, FrameListener, audio_landing_errors, video_landing_errors  # noqa: E402

CACHE = Path(os.environ.get("RATER_BENCH_MEDIA", Path.home() / ".cache" / "rater-bench"))


def media(kind: str, container: str, minutes: int) -> Path:
    """A generated file, made on first use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{kind}-{minutes}min.{container}"
    if not path.exists():
        print(f"generating {path.name} …", flush=True)
        part = path.with_suffix(".part" + path.suffix)
        (make_video if kind == "coded" else make_clicks)(part, minutes * 60)
        part.rename(path)
    return path


class BarePlayer:
    """The floor: python-vlc with nothing of ours, exposing what landing.py needs."""

    def __init__(self) -> None:
        import vlc

        from rater.media.vlc_instance import vlc_instance

        self._vlc = vlc
        self._mp = vlc_instance(True).media_player_new()
        self._playing = False

    def load(self, path: str) -> None:
        self._mp.set_media(self._mp.get_instance().media_new_path(path))
        self._playing = False
        self._target: int | None = None

    def state(self):
        return type("S", (), {"value": "playing" if self._playing else "paused"})()

    def play(self) -> None:
        if self._mp.get_state() in (self._vlc.State.NothingSpecial, self._vlc.State.Stopped):
            if self._target:
                self._mp.get_media().add_option(f":start-time={self._target / 1000:.3f}")
            self._mp.play()
        else:
            self._mp.set_pause(0)
        self._playing = True

    def pause(self) -> None:
        self._mp.set_pause(1)
        self._playing = False

    def seek_ms(self, ms: int) -> None:
        if self._mp.get_state() in (self._vlc.State.NothingSpecial, self._vlc.State.Stopped):
            self._target = ms
        else:
            self._mp.set_time(ms)

    def close(self) -> None:
        self._mp.stop()
        self._mp.release()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(make, path: Path, targets: list[int], mode: str) -> tuple[list[float], list[float]]:
    player = make()
    try:
        if mode == "audio":
            listener = ClickListener(player)
            rows = audio_landing_errors(player, listener, str(path), targets)
        else:
            frames = FrameListener(player)
            player.load(str(path))
            if isinstance(player, BarePlayer):  # a paused, opened input to start from
                player.play()
                time.sleep(0.5)
                player.pause()
            rows = video_landing_errors(player, frames, targets, playing=mode == "playing")
    finally:
        player.close()
    return [abs(landed - t) for t, landed, _ in rows], [lat for _, _, lat in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--seeks", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=None, metavar="CONTAINER",
                        help="measure only these containers (e.g. webm mp4)")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from rater.media.vlc_backend import VlcPlayer

    QApplication.instance() or QApplication(sys.argv[:1])
    rng = random.Random(2026)
    span = args.minutes * 60_000 - 5_000
    # Whole seconds + 0.1–0.9 s, so a click track's next click is unambiguous.
    targets = [rng.randrange(2, span // 1000) * 1000 + rng.randrange(100, 900) for _ in range(args.seeks)]
    print(f"{args.seeks} seeks over {args.minutes} min; |landing error| and latency in ms; "
          "floor = bare python-vlc set_time")
    print(f"{'file':24} {'mode':8} {'err p50':>8} {'p95':>6} {'max':>6} {'floor p95':>9}  "
          f"{'lat p50':>8} {'p95':>6} {'floor p95':>9} {'ratio':>6}")
    for container, kind, modes in (("mp4", "coded", ("playing", "paused")), ("mkv", "coded", ("playing", "paused")),
                                   ("webm", "coded", ("playing", "paused")), ("wav", "clicks", ("audio",)),
                                   ("mp3", "clicks", ("audio",)), ("m4a", "clicks", ("audio",))):
        if args.only and container not in args.only:
            continue
        path = media(kind, container, args.minutes)
        for mode in modes:
            err, lat = measure(lambda: VlcPlayer(headless=True), path, targets, mode)
            floor_err, floor_lat = measure(BarePlayer, path, targets, mode)
            ratio = statistics.median(lat) / max(1e-9, statistics.median(floor_lat))
            print(f"{path.name:24} {mode:8} {pct(err, 50):8.0f} {pct(err, 95):6.0f} {max(err):6.0f} "
                  f"{pct(floor_err, 95):9.0f}  {pct(lat, 50):8.0f} {pct(lat, 95):6.0f} {pct(floor_lat, 95):9.0f} "
                  f"{ratio:6.2f}", flush=True)


if __name__ == "__main__":
    main()
