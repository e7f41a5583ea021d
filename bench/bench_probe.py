"""The import's check that a recording plays, beside its floor.

Usage: python bench/bench_probe.py [RUNS]   (default 5)

For each shipped demo recording: the full check (``rater.media.probe.probe``:
libVLC's parse, then decoding a first frame or audio block at the start and
at nine tenths of the length) and the floor, libVLC's parse alone
(``parse_media``, what the import did before it decoded anything). Medians of
RUNS interleaved runs; libVLC's instance is started once, before timing.
"""

from __future__ import annotations

import statistics
import sys
import time

from rater.media import probe as probing
from rater.media.vlc_instance import parse_media, vlc_instance
from rater.paths import RESOURCES

FILES = ("demo_closing_clip.mp4", "demo_homework_review.mp4", "demo_mood_check.m4a", "demo_thought_record.mp3")


def timed(fn, path) -> float:
    start = time.perf_counter()
    fn(path)
    return time.perf_counter() - start


def main(runs: int = 5) -> None:
    instance = vlc_instance(None)
    check = probing._vlc_parser()
    if check is None:
        sys.exit("libVLC is not available here: nothing to measure")
    print(f"{'recording':28} {'check':>9} {'floor (parse)':>14} {'ratio':>7}")
    for name in FILES:
        path = RESOURCES / "demo" / name
        full, floor = [], []
        for _ in range(runs):
            full.append(timed(check, path))
            floor.append(timed(lambda p: parse_media(p, instance), path))
        f, b = statistics.median(full), statistics.median(floor)
        print(f"{name:28} {f * 1000:7.0f} ms {b * 1000:11.0f} ms {f / b:7.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
