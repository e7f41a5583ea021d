"""kill -9 in the middle of rating: every change reported as committed is there afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study

CHILD = textwrap.dedent(
    """
    import sys
    from rater.storage import open_database
    from rater.study.rating.workstation import Workstation
    db = open_database(sys.argv[1])
    ws = Workstation(db)
    rater, aid = sys.argv[2], sys.argv[3]
    ws.open(aid, rater)
    n = 0
    while True:  # rate as fast as possible until killed
        n += 1
        ws.set_response(aid, rater, "asg1", n % 5)
        ws.set_note(aid, rater, "asg1", f"note {n}")
        print(n, flush=True)
    """
)


def test_kill_minus_9_loses_nothing_committed(tmp_path):
    path = tmp_path / "crash.sqlite"
    db = open_database(path)
    create_demo_study(db)
    ws = Workstation(db)
    alex = next(r for r in ws.raters() if r.name.startswith("Alex"))
    aid = ws.queue(alex.id)[0].assignment_id
    db.close()

    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), alex.id, aid],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    last = 0
    for line in proc.stdout:
        last = int(line)
        if last >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # Lines printed after our last read are also committed; the newest we saw is the floor.
    db = open_database(path)
    view = Workstation(db).open(aid, alex.id)
    note_n = int(view.notes["asg1"].split()[1])
    assert note_n >= last
    assert view.responses["asg1"].value in (note_n % 5, (note_n + 1) % 5)
    db.close()
