"""Waveform of a 60-minute recording: the app's computation beside ffmpeg decoding alone.

    python bench/bench_waveform.py [--minutes 60] [--runs 3]

Generates (once, into $RATER_BENCH_MEDIA, default ~/.cache/rater-bench) a
60-minute AAC recording (speech-like noise over a tone) and the same length
of 720p-free video+audio in mkv, then times ``waveform_for`` with an empty
cache (decode + peaks + cache write), a cached read, and the floor: ffmpeg
decoding the same audio to 8 kHz mono PCM into /dev/null.  Medians of --runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rater.media.waveform import RATE, waveform_for  # noqa: E402

CACHE = Path(os.environ.get("RATER_BENCH_MEDIA", Path.home() / ".cache" / "rater-bench"))


def recording(minutes: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"speech-{minutes}min.m4a"
    if not path.exists():
        print(f"generating {path.name} …", flush=True)
        part = path.with_suffix(".part.m4a")
        seconds = minutes * 60
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", f"sine=f=220:d={seconds}",
                        "-f", "lavfi", "-i", f"anoisesrc=d={seconds}:c=pink:a=0.3", "-filter_complex",
                        "amix=inputs=2,volume='0.2+0.8*gt(sin(t*2),0)':eval=frame", "-ac", "1",
                        "-c:a", "aac", "-b:a", "64k", str(part)], check=True)
        part.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = recording(args.minutes)
    duration = args.minutes * 60_000
    app, cached, floor = [], [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            peaks = waveform_for(path, f"bench{run}", duration, Path(tmp))
            app.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            waveform_for(path, f"bench{run}", duration, Path(tmp))
            cached.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-vn", "-ac", "1",
                        "-ar", str(RATE), "-f", "s16le", "-y", "/dev/null"], check=True)
        floor.append(time.perf_counter() - t0)
    a, f = statistics.median(app), statistics.median(floor)
    print(f"{args.minutes}-minute recording, {len(peaks)} peaks, median of {args.runs}:")
    print(f"  waveform computed   {a:6.2f} s   floor (ffmpeg decode to /dev/null) {f:6.2f} s   ratio {a / f:.2f}"
          f"   (target ≤ 10 s)")
    print(f"  waveform from cache {statistics.median(cached) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
