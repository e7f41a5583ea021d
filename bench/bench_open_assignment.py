"""Assignment opened → form ready and recording playing, through the real window and libVLC.

Usage: python bench/bench_open_assignment.py [RUNS]   (default 5)

Runs offscreen with libVLC's dummy outputs. For each run the rater's first
assignment is opened from the queue; the figures are the time until the form
and player are built (form ready), until libVLC reports Playing after play()
is called, and until the position is seen moving.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(runs: int = 5) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.mkdtemp()
    os.environ["RATER_DATA_DIR"] = tmp
    os.environ.setdefault("XDG_RUNTIME_DIR", tmp)
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

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
    window.show()
    rater = next(r for r in ws.raters() if r.name.startswith("Alex"))
    window.choose_rater(rater)
    aid = ws.queue(rater.id)[0].assignment_id

    ready, playing, moving = [], [], []
    for _ in range(runs + 1):  # the first run loads libVLC and is reported apart
        clock = QElapsedTimer()
        clock.start()
        window.open_assignment(aid)
        page = window.rating_page
        app.processEvents()
        ready.append(clock.elapsed())
        player = page.player_area.player
        state = {}
        player.playing_changed.connect(
            lambda on, state=state, clock=clock: on and state.setdefault("playing", clock.elapsed()))
        player.position_changed.connect(
            lambda ms, state=state, clock=clock: ms > 0 and state.setdefault("moving", clock.elapsed()))
        player.play()
        deadline = time.monotonic() + 10
        while "moving" not in state and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)
        playing.append(state.get("playing", float("nan")))
        moving.append(state.get("moving", float("nan")))
        window.back_to_queue()
        app.processEvents()
    print(f"first open (loads libVLC): form ready {ready[0]} ms, playing {playing[0]} ms, moving {moving[0]} ms")
    print(f"assignment opened (n={runs}, median): form ready {statistics.median(ready[1:]):.0f} ms, "
          f"libVLC playing {statistics.median(playing[1:]):.0f} ms, "
          f"position moving {statistics.median(moving[1:]):.0f} ms")
    window.close()
    db.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
