"""Assignment opened → the video's first picture on screen; beside bare libVLC in a plain window.

    python bench/bench_first_frame.py [RUNS]    (default 5; starts Xvfb :98 if there is no display)

App: the rater's window opens a video assignment (a resumed one: the stored
position is 0:30); the clock stops when the screen region of the video
surface shows the demo video's slate background — what the rater sees,
read off the X server.  Floor: a plain QFrame handed to a bare python-vlc
player that plays the same file, stopped the same way.  Medians of RUNS
after one warm-up run each (libVLC's start-up is paid once, as in the app).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SLATE = (0x1E, 0x26, 0x30)
TIMEOUT_S = 10.0


def ensure_display() -> subprocess.Popen | None:
    if os.environ.get("DISPLAY"):
        return None
    xvfb = subprocess.Popen(["Xvfb", ":98", "-screen", "0", "1600x1000x24"], stderr=subprocess.DEVNULL)
    os.environ["DISPLAY"] = ":98"
    time.sleep(1.0)
    return xvfb


def picture_on(widget) -> bool:
    from PySide6.QtGui import QGuiApplication

    origin = widget.mapToGlobal(widget.rect().topLeft())
    shot = QGuiApplication.primaryScreen().grabWindow(0, origin.x(), origin.y(), widget.width(),
                                                      widget.height()).toImage()
    pixels = [shot.pixelColor(x, y) for x in range(0, shot.width(), 16) for y in range(0, shot.height(), 16)]
    slate = sum(1 for c in pixels if abs(c.red() - SLATE[0]) + abs(c.green() - SLATE[1]) + abs(c.blue() - SLATE[2]) < 30)
    return bool(pixels) and slate > len(pixels) * 0.3


def wait_for_picture(app, widget, t0: float) -> float:
    while time.perf_counter() - t0 < TIMEOUT_S:
        app.processEvents()
        if picture_on(widget):
            return (time.perf_counter() - t0) * 1000
        time.sleep(0.003)
    return float("nan")


def main(runs: int) -> None:
    xvfb = ensure_display()
    tmp = tempfile.mkdtemp()
    os.environ["RATER_DATA_DIR"] = tmp
    os.environ.setdefault("XDG_RUNTIME_DIR", tmp)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QFrame

    from rater.storage import open_database
    from rater.study.rating.workstation import Workstation
    from rater.study.setup.demo import create_demo_study
    from rater.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    db = open_database(Path(tmp) / "bench.sqlite")
    create_demo_study(db)
    ws = Workstation(db)
    window = MainWindow()
    window.attach(ws)
    window.resize(1280, 720)
    window.show()
    rater = next(r for r in ws.raters() if r.name.startswith("Alex"))
    window.choose_rater(rater)
    entry = next(e for e in ws.queue(rater.id) if e.recording_kind == "video")
    view = ws.open(entry.assignment_id, rater.id)
    video = next(r for r in view.recordings if r.kind == "video")
    ws.save_playback(entry.assignment_id, rater.id, 30_000, recording_id=video.id)

    app_ms, built_ms = [], []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        window.open_assignment(entry.assignment_id)
        built_ms.append((time.perf_counter() - t0) * 1000)
        app_ms.append(wait_for_picture(app, window.rating_page.player_area.player.surface, t0))
        window.back_to_queue()
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)

    from rater.media.vlc_instance import vlc_instance

    instance = vlc_instance(False)
    floor_ms = []
    for _ in range(runs + 1):
        frame = QFrame()
        frame.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        frame.setStyleSheet("background: black;")
        frame.resize(640, 360)
        frame.show()
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)
        t0 = time.perf_counter()
        mp = instance.media_player_new()
        media = instance.media_new_path(video.path)
        media.add_option(":start-time=30")
        mp.set_media(media)
        mp.set_xwindow(int(frame.winId()))
        mp.audio_set_mute(True)
        mp.play()
        floor_ms.append(wait_for_picture(app, frame, t0))
        mp.stop()
        mp.release()
        frame.close()
    a, f = statistics.median(app_ms[1:]), statistics.median(floor_ms[1:])
    print(f"first picture on screen (n={runs}, median; first run {app_ms[0]:.0f} / {floor_ms[0]:.0f} ms):")
    print(f"  open assignment → picture  {a:6.0f} ms   floor (bare libVLC play → picture) {f:6.0f} ms"
          f"   ratio {a / f:.2f}")
    print(f"  of which the page (form, player, recording opened) is built after {statistics.median(built_ms[1:]):.0f} ms")
    window.close()
    db.close()
    if xvfb is not None:
        xvfb.terminate()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
