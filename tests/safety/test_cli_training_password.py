"""``rater training``: coordinator actions ask for the coordinator password, feedback for the rater's PIN.

Each command runs in its own process, as a user or a script would run it.
"""

from __future__ import annotations

import pytest
from pooling.helpers import rate, rater_id
from sqlalchemy import select
from training_support import add_training_session

from rater.storage import models as m
from rater.storage import open_database
from rater.study.training.agreement import GoldItem
from rater.study.training.gold import set_gold
from rater.study.training.practice import assign_practice

from .conftest import rater_cli
from .test_cli_password import _dump

S = "--session T1:1"
COORDINATOR_ACTIONS = [
    "list", f"mark {S}", f"phase {S} --phase practice", f"delete {S}", "gold-import {tmp}/gold.csv",
    f"promote --rater R01 {S} --instrument pool", f"assign {S} --instrument pool --raters R01",
    "criterion --instrument pool --within1 80% --mad 0.75 --last 3", "hold on", "status",
    "drift --raters R01 --instrument pool --every-sessions 2", "drift-place",
    f"calibrate {S} --instrument pool --raters R01,R02", "calibrations", "consensus --threshold 1",
    "consensus-set --session P1:1 --instrument pool --item q1 --score 2",
]


@pytest.fixture
def trained(lab, tmp_path):
    """The lab plus a practice recording with gold, given to R01 (PIN 1234, submitted) and R02 (not yet)."""
    db = open_database(lab.db)
    try:
        session_id = add_training_session(db, "T1", 1, "practice", "practice.mp4")
        with db.reading() as s:
            inst = s.scalar(select(m.InstrumentRecord.id))
            key = s.scalar(select(m.InstrumentRecord.key))
        set_gold(db, session_id, inst, {q: GoldItem(2, False, f"GOLD-REASON-{q}") for q in ("q1", "q2", "q3", "q4")})
        mine, _theirs = assign_practice(db, session_id, inst, [rater_id(db, "R01"), rater_id(db, "R02")])
        rate(db, "R01", mine, {"q1": 2, "q2": 2, "q3": 1, "q4": 0}, submit=True)
    finally:
        db.close()
    (tmp_path / "gold.csv").write_text("recording,item,gold_score\n")
    return lab, key


def _feedback(lab, key: str, code: str, *extra: str, data_dir):
    return rater_cli("training", "feedback", "--db", str(lab.db), "--rater", code, "--session", "T1:1",
                     "--instrument", key, *extra, data_dir=data_dir)


@pytest.mark.parametrize("action", COORDINATOR_ACTIONS, ids=[a.split()[0] for a in COORDINATOR_ACTIONS])
def test_every_coordinator_training_action_refuses_without_the_password(trained, tmp_path, action):
    lab, key = trained
    before = _dump(lab.db)
    argv = ["training", *action.replace("pool", key).format(tmp=tmp_path).split(), "--db", str(lab.db)]
    refused = rater_cli(*argv, data_dir=tmp_path / "data")
    assert refused.returncode == 3, refused
    assert "coordinator password with --password-file" in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stdout == "" and _dump(lab.db) == before
    wrong = rater_cli(*argv, "--password-file", str(lab.wrong_password_file), data_dir=tmp_path / "data")
    assert wrong.returncode == 3 and "wrong coordinator password" in wrong.stderr and wrong.stdout == ""
    # Only the slow-down for the next attempt was written.
    assert _without_backoff(_dump(lab.db)) == _without_backoff(before)


def _without_backoff(dump: bytes) -> bytes:
    return b"\n".join(line for line in dump.split(b"\n") if b"coordinator_password_backoff" not in line)


def test_the_right_password_runs_the_action(trained, tmp_path):
    lab, key = trained
    args = ("--db", str(lab.db), "--password-file", str(lab.password_file))
    listed = rater_cli("training", "list", *args, data_dir=tmp_path / "data")
    assert listed.returncode == 0, listed
    assert "T1:1" in listed.stdout and "1/2 rated" in listed.stdout
    held = rater_cli("training", "hold", "on", *args, data_dir=tmp_path / "data")
    assert held.returncode == 0 and "held until raters are certified" in held.stdout


def test_feedback_asks_for_the_raters_pin_and_never_shows_gold_before_submission(trained, tmp_path):
    lab, key = trained
    data = tmp_path / "data"
    no_pin = _feedback(lab, key, "R01", data_dir=data)
    assert no_pin.returncode == 3 and "give the rater's PIN with --pin-file" in no_pin.stderr
    (tmp_path / "wrong_pin").write_text("9999\n")
    wrong = _feedback(lab, key, "R01", "--pin-file", str(tmp_path / "wrong_pin"), data_dir=data)
    assert wrong.returncode == 3 and "wrong PIN for R01" in wrong.stderr
    for result in (no_pin, wrong):
        assert "GOLD-REASON" not in result.stdout + result.stderr
    (tmp_path / "pin").write_text("1234\n")
    right = _feedback(lab, key, "R01", "--pin-file", str(tmp_path / "pin"), data_dir=data)
    assert right.returncode == 0, right
    assert "GOLD-REASON-q1" in right.stdout
    # R02 (no PIN, as in the app) has not submitted: sealed, with no gold anywhere in the output.
    sealed = _feedback(lab, key, "R02", data_dir=data)
    assert sealed.returncode == 1 and "only after you submit" in sealed.stderr
    assert "GOLD-REASON" not in sealed.stdout + sealed.stderr


def test_training_help_marks_the_coordinator_actions(tmp_path):
    text = rater_cli("training", "--help", data_dir=tmp_path / "data").stdout
    lines = " ".join(text.split())  # argparse wraps long help lines
    for action in {a.split()[0] for a in COORDINATOR_ACTIONS}:
        assert f"{action} [coordinator]" in lines, action
    assert "feedback [coordinator]" not in lines and "feedback a rater's feedback" in lines
    mark = rater_cli("training", "mark", "--help", data_dir=tmp_path / "data").stdout
    feedback = rater_cli("training", "feedback", "--help", data_dir=tmp_path / "data").stdout
    assert "--password-file" in mark and "--password-file" not in feedback and "--pin-file" in feedback
