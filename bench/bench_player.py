"""How long from ``load()`` until playback is really moving, per demo recording.

    python bench/bench_player.py [--runs 5] [--backend vlc|qt|all]

For each demo file and backend, times ``load()`` alone and ``load()`` +
``play()`` until ``position_ms()`` is above 0 *and* has advanced again (the
libVLC backend only advances its smoothed clock once libVLC's own clock has
moved, so this is real progress, not interpolation).  Prints the median of
``--runs`` runs.  Headless outputs, so it runs on a server; libVLC's start-up
(instance creation) is paid once before timing, as in the app.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rater.media import MediaError, Player, create_player  # noqa: E402

DEMO = ROOT / "rater" / "resources" / "demo"
FILES = sorted(p for p in DEMO.iterdir() if p.suffix in (".mp4", ".mp3", ".m4a"))
TIMEOUT_S = 10.0


def time_to_moving(player: Player, path: Path, pump: Callable[[], None]) -> tuple[float, float]:
    """(load ms, load-to-moving ms) for one run."""
    t0 = time.perf_counter()
    player.load(str(path))
    loaded = time.perf_counter()
    player.play()
    first = None
    while time.perf_counter() - t0 < TIMEOUT_S:
        pump()
        pos = player.position_ms()
        if first is None and pos > 0:
            first = pos
        elif first is not None and pos > first:
            moving = time.perf_counter()
            player.stop()
            return (loaded - t0) * 1000, (moving - t0) * 1000
        time.sleep(0.002)
    raise RuntimeError(f"{path.name}: playback did not start within {TIMEOUT_S} s")


def bench_backend(name: str, runs: int) -> list[tuple[str, str, float, float]]:
    """Median figures for every demo file on one backend."""
    pump: Callable[[], None] = lambda: None  # noqa: E731
    if name == "qt":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication

        _app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive)
        pump = QCoreApplication.processEvents
    player = create_player(prefer=name, headless=True)
    rows = []
    try:
        for path in FILES:
            times = [time_to_moving(player, path, pump) for _ in range(runs)]
            rows.append(
                (
                    path.name,
                    player.backend_name,
                    statistics.median(t[0] for t in times),
                    statistics.median(t[1] for t in times),
                )
            )
    finally:
        player.close()
    return rows


def main() -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=("vlc", "qt", "all"), default="all")
    args = parser.parse_args()
    backends = ("vlc", "qt") if args.backend == "all" else (args.backend,)
    print(f"{'file':28} {'backend':22} {'load ms':>8} {'load→moving ms':>15}   (median of {args.runs})")
    for name in backends:
        try:
            rows = bench_backend(name, args.runs)
        except MediaError as exc:
            print(f"{name}: skipped — {exc}")
            continue
        for file, backend, load_ms, moving_ms in rows:
            print(f"{file:28} {backend:22} {load_ms:8.1f} {moving_ms:15.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
