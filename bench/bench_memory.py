"""Peak memory while playing a 60-minute 720p video: the app's player beside bare libVLC.

    python bench/bench_memory.py [--seconds 20]   (starts Xvfb :99 if there is no display)

The video (720p H.264 + AAC, 60 min: a generated one-minute clip repeated
with stream copy) is made once in $RATER_BENCH_MEDIA (default
~/.cache/rater-bench).  Each side runs in a fresh process that plays the
file in a window for --seconds, seeking to ten points across the hour, and
reports its peak resident memory (VmHWM).  App: the rating page's
PlayerWidget (waveform computed in the background, as for a rater).
Floor: a QFrame and a python-vlc player, nothing else of ours.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("RATER_BENCH_MEDIA", Path.home() / ".cache" / "rater-bench"))

CHILD = r"""
import os, sys, time
from pathlib import Path
mode, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame
app = QApplication(sys.argv[:1])
hour = 3_600_000
if mode == "app":
    from rater.ui.player import PlayerWidget
    w = PlayerWidget(); w.resize(1280, 720); w.show()
    w.load(path, "video"); w.show_waveform(path, None, Path(os.environ["RATER_DATA_DIR"]))
    w.play(); seek = w.seek_ms
else:
    from rater.media.vlc_instance import vlc_instance
    w = QFrame(); w.setAttribute(Qt.WidgetAttribute.WA_NativeWindow); w.resize(1280, 720); w.show()
    app.processEvents()
    inst = vlc_instance(False); mp = inst.media_player_new(); mp.set_media(inst.media_new_path(path))
    mp.set_xwindow(int(w.winId())); mp.play(); seek = mp.set_time
t0 = time.monotonic(); step = 0
while time.monotonic() - t0 < seconds:
    app.processEvents(); time.sleep(0.01)
    if time.monotonic() - t0 > (step + 1) * seconds / 11:
        step += 1; seek(step * hour // 11)
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) / 1024)
"""


def video(minutes: int = 60) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"720p-{minutes}min.mp4"
    if not path.exists():
        clip = CACHE / "720p-1min.mp4"
        if not clip.exists():
            print("generating a one-minute 720p clip …", flush=True)
            subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25:d=60",
                            "-f", "lavfi", "-i", "sine=f=300:d=60", "-c:v", "libx264", "-preset", "veryfast",
                            "-g", "250", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)], check=True)
        print(f"repeating it to {minutes} minutes …", flush=True)
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-stream_loop", str(minutes - 1), "-i", str(clip),
                        "-c", "copy", "-movflags", "+faststart", str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    xvfb = None
    if not os.environ.get("DISPLAY"):
        xvfb = subprocess.Popen(["Xvfb", ":99", "-screen", "0", "1600x1000x24"], stderr=subprocess.DEVNULL)
        os.environ["DISPLAY"] = ":99"
        time.sleep(1.0)
    path = video()
    results = {}
    for mode in ("app", "floor"):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "RATER_DATA_DIR": tmp, "XDG_RUNTIME_DIR": tmp, "QT_QPA_PLATFORM": "xcb",
                   "PYTHONPATH": str(ROOT)}
            out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(args.seconds)], env=env,
                                 capture_output=True, text=True, timeout=args.seconds + 120)
            if out.returncode != 0:
                raise SystemExit(out.stderr[-2000:])
            results[mode] = float(out.stdout.split()[-1])
    if xvfb is not None:
        xvfb.terminate()
    a, f = results["app"], results["floor"]
    print(f"peak RSS playing a 60-minute 720p video for {args.seconds:g} s with 10 seeks:")
    print(f"  app player {a:6.0f} MB   floor (bare python-vlc in a QFrame) {f:6.0f} MB   ratio {a / f:.2f}")


if __name__ == "__main__":
    main()
