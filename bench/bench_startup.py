"""Process start → main window shown, and peak memory, for the ``rater`` command.

Usage: python bench/bench_startup.py [RUNS]     (default 7; needs an X display or Xvfb)

Each run starts ``rater --db <demo database>`` as a new process and waits for
its window to be mapped on the X server (``xdotool search --sync``), which is
what a person sees; peak RSS (VmHWM) is read from /proc once the rater list is
on screen. The database already holds the demo study, as on any day but the
first.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_display() -> subprocess.Popen | None:
    if os.environ.get("DISPLAY"):
        return None
    xvfb = subprocess.Popen(["Xvfb", ":97", "-screen", "0", "1600x1000x24"], stderr=subprocess.DEVNULL)
    os.environ["DISPLAY"] = ":97"
    time.sleep(1.0)
    return xvfb


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(rater: str, db: str, env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([rater, "--db", db, "--demo", "no"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(proc.pid), "--name", "Session Rater"],
                   stdout=subprocess.DEVNULL, check=True, timeout=30)
    shown = time.perf_counter() - start
    time.sleep(1.5)  # the rater list has loaded: measure the settled peak
    rss = peak_rss_mb(proc.pid)
    proc.terminate()
    proc.wait(timeout=10)
    return shown, rss


def main(runs: int = 7) -> None:
    if not shutil.which("xdotool"):
        sys.exit("bench_startup needs xdotool (apt-get install xdotool)")
    xvfb = ensure_display()
    rater = str(Path(sys.executable).with_name("rater"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RATER_DATA_DIR": tmp, "XDG_RUNTIME_DIR": tmp}
        os.chmod(tmp, 0o700)
        db = str(Path(tmp) / "bench.sqlite")
        from rater.storage import open_database
        from rater.study.demo import create_demo_study

        database = open_database(db)
        create_demo_study(database)
        database.close()
        one_run(rater, db, env)  # warm the file cache, as a second launch of the day would be
        results = [one_run(rater, db, env) for _ in range(runs)]
    if xvfb:
        xvfb.terminate()
    shown = [r[0] * 1000 for r in results]
    rss = [r[1] for r in results]
    print(f"process start -> main window shown (n={runs}): median {statistics.median(shown):.0f} ms, "
          f"min {min(shown):.0f} ms, max {max(shown):.0f} ms; peak RSS median {statistics.median(rss):.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
