"""The full demo (offered on first launch): three raters per session, colleagues' ratings submitted."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import select

from rater.cli import main as cli
from rater.storage import models as m
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.reports.progress import study_progress
from rater.study.setup.demo import DEMO_DURATIONS_MS, create_demo_study


def test_every_rated_session_has_three_raters_and_the_colleagues_have_submitted(tmp_path):
    db = open_database(tmp_path / "demo.sqlite")
    study_id = create_demo_study(db, full=True)
    with db.reading() as s:
        rows = s.execute(select(m.Assignment.session_id, m.Assignment.instrument_id, m.Assignment.status,
                                m.Rater.code).join(m.Rater, m.Rater.id == m.Assignment.rater_id)).all()
        recordings = s.scalars(select(m.Recording)).all()
    per_session = Counter((sid, iid) for sid, iid, _status, _code in rows)
    assert per_session and set(per_session.values()) == {3}
    # The two people a newcomer picks still have their own work to do; everyone else has submitted.
    assert {code for _s, _i, status, code in rows if status != "submitted"} == {"R01", "R02"}
    assert all(r.duration_ms == DEMO_DURATIONS_MS[r.path] and len(r.checksum) == 64 for r in recordings)
    ws = Workstation(db)
    alex = next(r for r in ws.raters() if r.name == "Alex Rivera")
    assert len(ws.queue(alex.id)) == 2  # colleagues' assignments are not in Alex's queue
    progress = study_progress(db, study_id)
    assert progress.flags == [] and sum(t.submitted for t in progress.teams) == len(rows) - 5
    db.close()


def test_the_demo_has_reliability_figures(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    db = open_database(path)
    create_demo_study(db, full=True)
    db.close()
    assert cli(["reliability", "--db", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    text = json.dumps(report)
    assert "icc" in text.lower() and "Assignment" in text
