"""Process start → first visible main window, for the ``rater`` command beside a bare Qt window.

Usage: python bench/bench_startup.py [RUNS]   (default 7; needs xdotool, and an X display or Xvfb)
       BENCH_DISPLAY=:NN picks the private Xvfb's display when DISPLAY is unset (default :143)

The app: ``rater --db <demo database> --demo no`` (the database already holds
the demo study, as on any day but the first). The floor: a bare PySide6
``QMainWindow`` of the same size started the same way (same interpreter, a new
process). Runs alternate app / floor, the order flipped every run, after one
warm-up run of each (the file cache warm, as on a second launch of the day).

Each run polls the X server every 10 ms (``xdotool search --onlyvisible --pid``)
until the process has a mapped, viewable window; ``xdotool search --sync`` is not
used because its own retry interval overstates the time by ~160 ms. Peak RSS
(VmHWM) is read once the window has settled. Printed: medians, spread, the
ratios app / floor.
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

POLL_S = 0.010
BARE = (
    "import sys\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv)\n"
    "window = QMainWindow()\n"
    "window.setWindowTitle('Bare Qt window')\n"
    "window.resize(1280, 800)\n"
    "window.show()\n"
    "app.exec()\n"
)


def ensure_display() -> subprocess.Popen | None:
    """Use the current X display, or start a private Xvfb (``$BENCH_DISPLAY``, default :143)."""
    if os.environ.get("DISPLAY"):
        return None
    display = os.environ.get("BENCH_DISPLAY", ":143")
    # With -displayfd Xvfb writes its number once it accepts connections: no guessing with sleeps.
    xvfb = subprocess.Popen(["Xvfb", display, "-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if not xvfb.stdout.readline().strip():
        sys.exit(f"Xvfb did not start on {display} (in use? set BENCH_DISPLAY)")
    os.environ["DISPLAY"] = display
    return xvfb


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def visible(pid: int) -> bool:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return found.returncode == 0


def one_run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Milliseconds from spawning ``argv`` to its first visible window, and its settled peak RSS."""
    errors = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        while not visible(proc.pid):
            if proc.poll() is not None:
                errors.seek(0)
                sys.exit(f"{argv[0]} exited ({proc.returncode}) before showing a window:\n"
                         + errors.read().decode(errors="replace")[-2000:])
            if time.perf_counter() - start > 30:
                sys.exit(f"{argv[0]} showed no window within 30 s")
            time.sleep(POLL_S)
        shown = (time.perf_counter() - start) * 1000
        time.sleep(1.5)  # the rater list has loaded: measure the settled peak
        return shown, peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        errors.close()


def summary(label: str, values: list[float], unit: str) -> str:
    return (f"{label} median {statistics.median(values):.0f} {unit} "
            f"(min {min(values):.0f}, max {max(values):.0f})")


def main(runs: int = 7) -> None:
    if not shutil.which("xdotool"):
        sys.exit("bench_startup needs xdotool (apt-get install xdotool)")
    xvfb = ensure_display()
    rater = str(Path(sys.executable).with_name("rater"))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "RATER_DATA_DIR": tmp, "XDG_RUNTIME_DIR": tmp}
            os.chmod(tmp, 0o700)
            db = str(Path(tmp) / "bench.sqlite")
            from rater.storage import open_database
            from rater.study.setup.demo import create_demo_study

            database = open_database(db)
            create_demo_study(database)
            database.close()
            subjects = {"app": [rater, "--db", db, "--demo", "no"], "floor": [sys.executable, "-c", BARE]}
            for argv in subjects.values():
                one_run(argv, env)  # warm-up
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in subjects}
            for i in range(runs):
                for name in (("app", "floor") if i % 2 == 0 else ("floor", "app")):
                    results[name].append(one_run(subjects[name], env))
    finally:
        if xvfb:
            xvfb.terminate()
            xvfb.wait(timeout=10)
    shown = {name: [r[0] for r in rows] for name, rows in results.items()}
    rss = {name: [r[1] for r in rows] for name, rows in results.items()}
    print(f"process start -> first visible main window, n={runs} each, interleaved, polled every "
          f"{POLL_S * 1000:.0f} ms")
    print("  app   rater --db demo.sqlite        " + summary("", shown["app"], "ms") + ";"
          + summary(" peak RSS", rss["app"], "MB"))
    print("  floor bare PySide6 QMainWindow     " + summary("", shown["floor"], "ms") + ";"
          + summary(" peak RSS", rss["floor"], "MB"))
    print(f"  ratio app / floor: start-up {statistics.median(shown['app']) / statistics.median(shown['floor']):.2f}x"
          f"  peak RSS {statistics.median(rss['app']) / statistics.median(rss['floor']):.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
