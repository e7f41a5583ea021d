"""Training speed: submit → feedback shown, and the drift view for 36 raters × 20 checks drawn.

Usage: python bench/bench_training.py [RUNS]   (default 5)

Runs offscreen. Each figure is printed beside its floor, the bare work the
same step cannot avoid, and the ratio:
* submit → feedback: the rater submits a practice rating in the real window
  and the feedback panel is built and painted; floor: the same submission
  and the reads of rating and gold with plain sqlite3 (one commit).
* drift view: the Drift screen reloads (figures from the database, plot,
  tables) and is painted; floor: reading the same item scores and gold with
  plain sqlite3 plus a bare QtCharts chart with the same 36 × 20 points painted.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HSTBS = [f"rev{i}" for i in range(1, 5)] + [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]


def build_drift_study(db, raters: int = 36, checks: int = 20, seed: int = 7) -> dict[str, str]:
    """The demo study plus ``raters`` raters who each rated ``checks`` practice recordings with gold."""
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.storage import models_training as t
    from rater.study.setup.demo import create_demo_study

    rng = random.Random(seed)
    study_id = create_demo_study(db)
    with db.transaction() as s:
        hstbs = s.scalar(select(m.InstrumentRecord).where(m.InstrumentRecord.key == "hstbs"))
        team = s.scalar(select(m.Team).where(m.Team.study_id == study_id).order_by(m.Team.name))
        patient = m.Patient(study_id=study_id, code="TRAIN")
        s.add(patient)
        s.flush()
        sessions, gold = [], []
        for n in range(checks):
            sess = m.Session(patient_id=patient.id, number=n + 2, is_practice=True)
            sess.recordings.append(m.Recording(path=f"practice_{n:02d}.mp4", kind="video"))
            s.add(sess)
            s.flush()
            s.add(t.TrainingMaterial(session_id=sess.id, study_id=study_id, phase="practice"))
            values = {k: rng.randint(0, 4) for k in HSTBS}
            row = t.GoldRating(session_id=sess.id, instrument_id=hstbs.id, source="csv")
            row.scores = [t.GoldScore(item_id=k, value=v, rationale=f"rationale {k}") for k, v in values.items()]
            s.add(row)
            sessions.append(sess.id)
            gold.append(values)
        start = m.utcnow() - timedelta(days=checks * 3)
        for r in range(raters):
            rater = m.Rater(study_id=study_id, code=f"T{r + 1:02d}", name=f"Trainee {r + 1}")
            s.add(rater)
            s.flush()
            s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
            drift = 0.08 * (r % 5)  # some raters drift away from gold over the period
            for n, session_id in enumerate(sessions):
                kind = "practice" if n < checks // 2 else "drift_hidden"
                a = m.Assignment(study_id=study_id, session_id=session_id, rater_id=rater.id,
                                 instrument_id=hstbs.id, queue_position=n, status="submitted",
                                 purpose="check" if kind == "drift_hidden" else "practice")
                s.add(a)
                s.flush()
                s.add(t.TrainingAssignment(assignment_id=a.id, kind=kind))
                when = start + timedelta(days=3 * n, minutes=r)
                rating = m.Rating(assignment_id=a.id, submitted_at=when, updated_at=when, revision=16)
                off = drift * n
                rating.scores = [m.ItemScore(item_id=k, value=max(0, min(4, round(v + rng.gauss(off, 0.7)))))
                                 for k, v in gold[n].items()]
                s.add(rating)
    return {"study": study_id}


def bench_feedback(runs: int, tmp: Path) -> tuple[float, float]:
    from PySide6.QtWidgets import QApplication

    from rater.storage import open_database
    from rater.study.rating.workstation import Workstation
    from rater.study.setup.demo import create_demo_study
    from rater.study.training.agreement import GoldItem
    from rater.study.training.gold import set_gold
    from rater.study.training.material import mark_training
    from rater.study.training.practice import assign_practice
    from rater.ui import dialogs
    from rater.ui.main_window import MainWindow

    dialogs.confirm = lambda *a, **k: True  # the "Submit now?" question is the rater's, not the program's time
    from rater.ui.rating import submit_dialog

    # Nothing is played here, so the rater would be asked why; their typing is not the program's time either.
    submit_dialog.ask_reason = lambda *a, **k: "rated from the session transcript"
    app = QApplication.instance()
    path = tmp / "feedback.sqlite"
    db = open_database(path)
    create_demo_study(db)
    from sqlalchemy import select

    from rater.storage import models as m

    with db.transaction() as s:
        study_id = s.scalar(select(m.Study.id))
        hstbs = s.scalar(select(m.InstrumentRecord.id).where(m.InstrumentRecord.key == "hstbs"))
        r01 = s.scalar(select(m.Rater.id).where(m.Rater.code == "R01"))
        patient = m.Patient(study_id=study_id, code="TRAIN")
        s.add(patient)
        s.flush()
        session_ids = []
        for n in range(runs):
            sess = m.Session(patient_id=patient.id, number=n + 2)
            sess.recordings.append(m.Recording(path=f"practice_{n}.mp4", kind="video"))
            s.add(sess)
            s.flush()
            session_ids.append(sess.id)
    ws = Workstation(db)
    assignments = []
    for sid in session_ids:
        mark_training(db, sid)
        set_gold(db, sid, hstbs, {k: GoldItem(2, False, "why") for k in HSTBS})
        [a] = assign_practice(db, sid, hstbs, [r01])
        ws.open(a, r01)
        for k in HSTBS:
            ws.set_response(a, r01, k, 3)
        assignments.append(a)
    window = MainWindow(ws, lambda parent, host: _NoPlayer(parent))
    window.show()
    window.choose_rater(next(r for r in ws.raters() if r.code == "R01"))
    shown = []
    for a in assignments:
        window.open_assignment(a)
        page = window.rating_page
        app.processEvents()
        t0 = time.perf_counter()
        page.submit()
        page.feedback_panel.grab()  # painted
        shown.append((time.perf_counter() - t0) * 1000)
        window.back_to_queue()
        app.processEvents()
    window.close()
    db.close()
    # Floor: the submission and the reads the feedback needs, in plain sqlite3.
    floors = []
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=FULL")
    for a in assignments:
        t0 = time.perf_counter()
        con.execute("UPDATE assignment SET status='in_progress' WHERE id=?", (a,))
        con.execute("UPDATE assignment SET status='submitted' WHERE id=?", (a,))
        con.commit()
        con.execute("SELECT item_id, value FROM item_score JOIN rating ON rating.id = item_score.rating_id "
                    "WHERE rating.assignment_id=?", (a,)).fetchall()
        con.execute("SELECT gs.item_id, gs.value, gs.rationale FROM gold_score gs JOIN gold_rating g ON "
                    "g.id = gs.gold_rating_id JOIN assignment a ON a.session_id = g.session_id "
                    "WHERE a.id=?", (a,)).fetchall()
        floors.append((time.perf_counter() - t0) * 1000)
    con.close()
    return statistics.median(shown), statistics.median(floors)


class _NoPlayer:
    """No media stack: the figure is the feedback, not libVLC's start-up."""

    def __new__(cls, parent):
        from PySide6.QtCore import Signal
        from PySide6.QtWidgets import QWidget

        class Player(QWidget):
            position_changed = Signal(int)
            playing_changed = Signal(bool)
            media_error = Signal(str)
            preferences_changed = Signal(float, int)
            shortcuts_requested = Signal()

            def load(self, path, kind="video", start_ms=0):
                return True

            def current_position_ms(self):
                return 0

            def seek_ms(self, ms):
                pass

            def play(self):
                pass

            def pause(self):
                pass

            def shortcuts(self):
                return []

            def duration_ms(self):
                return 0

            def is_playing(self):
                return False

            def set_preferences(self, rate, volume):
                pass

            def apply_bindings(self, bindings):
                pass

            def bindings(self):
                return {}

            def show_waveform(self, path, checksum, cache_dir):
                pass

            def set_marks(self, positions):
                pass

            def set_segment(self, segment):
                pass

            def shutdown(self):
                pass

        return Player(parent)


def bench_drift(runs: int, tmp: Path) -> tuple[float, float]:
    from PySide6.QtCharts import QChart, QChartView, QLineSeries
    from PySide6.QtCore import QPointF

    from rater.storage import open_database
    from rater.study.training.certification import set_criterion
    from rater.study.training.views import Criterion
    from rater.ui.coordinator.context import Context
    from rater.ui.coordinator.training.drift import DriftScreen

    path = tmp / "drift.sqlite"
    db = open_database(path)
    ids = build_drift_study(db)
    set_criterion(db, ids["study"], Criterion("hstbs", 0.8, 0.75, 3))
    ctx = Context(db)
    ctx.study_id = ids["study"]
    screen = DriftScreen(ctx)
    screen.resize(1360, 860)
    screen.show()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        screen.refresh()
        screen.grab()
        times.append((time.perf_counter() - t0) * 1000)
    lines = sum(s.count() for s in screen.chart_view.chart().series())
    floors = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con = sqlite3.connect(path)
        rows = con.execute("SELECT a.rater_id, r.submitted_at, s.item_id, s.value, g.value FROM assignment a "
                           "JOIN training_assignment ta ON ta.assignment_id = a.id "
                           "JOIN rating r ON r.assignment_id = a.id JOIN item_score s ON s.rating_id = r.id "
                           "JOIN gold_rating gr ON gr.session_id = a.session_id "
                           "JOIN gold_score g ON g.gold_rating_id = gr.id AND g.item_id = s.item_id").fetchall()
        con.close()
        chart = QChart()
        per = len(rows) // (36 * 16)
        for r in range(36):
            series = QLineSeries()
            series.append([QPointF(i, (i * r) % 100) for i in range(per)])
            chart.addSeries(series)
        chart.createDefaultAxes()
        view = QChartView(chart)
        view.resize(1300, 300)
        view.show()
        view.grab()
        floors.append((time.perf_counter() - t0) * 1000)
        view.close()
    screen.close()
    db.close()
    print(f"  (drift view: {len(screen.drifts)} raters, {lines} plotted points incl. the criterion line)")
    return statistics.median(times), statistics.median(floors)


def main(runs: int = 5) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp())
    os.environ["RATER_DATA_DIR"] = str(tmp)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - kept alive for the widgets
    fb, fb_floor = bench_feedback(runs, tmp)
    print(f"submit → feedback shown (median of {runs}): {fb:.0f} ms  floor {fb_floor:.1f} ms  "
          f"ratio {fb / fb_floor:.0f}×  (target ≤ 150 ms)")
    dv, dv_floor = bench_drift(runs, tmp)
    print(f"drift view 36 raters × 20 checks drawn (median of {runs}): {dv:.0f} ms  floor {dv_floor:.0f} ms  "
          f"ratio {dv / dv_floor:.1f}×  (target ≤ 300 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
