"""``rater training …`` and the certification block of ``rater status``, end to end."""

from __future__ import annotations

from training_support import HSTBS_ITEMS, add_session, ids, rate

from rater.cli import build_parser
from rater.storage import models as m
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study


def run(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.handler(args)


def test_training_workflow_from_the_command_line(tmp_path, capsys):
    path = str(tmp_path / "lab.sqlite")
    db = open_database(path)
    create_demo_study(db)
    add_session(db, "T01", 2, "clip_a.mp4")
    x = ids(db)

    assert run("training", "mark", "--db", path, "--session", "T01:2") == 0
    assert run("training", "mark", "--db", path, "--session", "D01:1") == 1
    assert "cannot be both training material and study data" in capsys.readouterr().err

    gold = tmp_path / "gold.csv"
    gold.write_text("recording,item,gold_score,rationale\nclip_a.mp4,rev1,5,\nelsewhere.mp4,rev2,1,\n")
    assert run("training", "gold-import", "--db", path, str(gold)) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "outside 0–4" in err and "'elsewhere.mp4'" in err
    assert "Item asg1 has no gold score" in err
    gold.write_text("recording,item,gold_score,rationale\n"
                    + "".join(f"clip_a.mp4,{k},2,SECRET-{k}\n" for k in HSTBS_ITEMS))
    assert run("training", "gold-import", "--db", path, str(gold)) == 0
    assert run("training", "assign", "--db", path, "--session", "T01:2", "--instrument", "hstbs",
               "--raters", "R01") == 0
    capsys.readouterr()

    ws = Workstation(db)
    assignment = next(e.assignment_id for e in ws.queue(x["R01"]) if e.purpose == "practice")
    rate(ws, assignment, x["R01"], 3, submit=False)
    feedback = ("training", "feedback", "--db", path, "--rater", "R01", "--session", "T01:2", "--instrument", "hstbs")
    assert run(*feedback) == 1
    out = capsys.readouterr()
    assert "only after you submit" in out.err and "SECRET" not in out.out + out.err
    ws.submit(assignment, x["R01"])
    assert run(*feedback) == 0
    out = capsys.readouterr().out
    assert "SECRET-rev1" in out and "exact 0%, within ±1 100%, mean absolute difference 1.00 (16 items)" in out

    assert run("training", "criterion", "--db", path, "--instrument", "hstbs", "--within1", "120%",
               "--mad", "0.75", "--last", "1") == 1
    assert "outside 0–100%" in capsys.readouterr().err
    assert run("training", "criterion", "--db", path, "--instrument", "hstbs", "--within1", "80%",
               "--mad", "0.75", "--last", "-2") == 1
    assert "at least 1" in capsys.readouterr().err
    assert run("training", "criterion", "--db", path, "--instrument", "hstbs", "--within1", "80%",
               "--mad", "1", "--last", "1", "--valid-days", "365") == 0
    assert run("training", "hold", "--db", path, "on") == 0
    capsys.readouterr()
    assert run("status", "--db", path) == 0
    out = capsys.readouterr().out
    assert "Certification (study assignments held until certified)" in out
    block = out[out.index("Certification"):].splitlines()
    r01 = next(line for line in block if line.strip().startswith("R01"))
    assert "certified until" in r01 and "±1 100%" in r01 and "MAD 1.00" in r01
    assert "not certified" in next(line for line in block if line.strip().startswith("R02"))
    db.close()


def test_drift_calibration_and_consensus_commands(tmp_path, capsys):
    from training_support import gold_session, two_raters_on_d01

    path = str(tmp_path / "lab.sqlite")
    db = open_database(path)
    create_demo_study(db)
    x = ids(db)
    gold_session(db, x["hstbs"], 2, code="T01")
    ws = Workstation(db)
    two_raters_on_d01(db, ws)  # adds R03, who has one study assignment
    with db.transaction() as s:
        s.add(m.Rater(study_id=x["study"], code="R09", name="Idle"))
    assert run("training", "drift", "--db", path, "--raters", "R09", "--instrument", "hstbs",
               "--every-sessions", "3") == 1
    assert "has no study assignments" in capsys.readouterr().err
    assert run("training", "drift", "--db", path, "--raters", "R01", "--instrument", "hstbs",
               "--every-sessions", "1") == 0
    assert run("training", "drift-place", "--db", path) == 0
    assert "1 drift check(s) placed." in capsys.readouterr().out  # R01 has submitted one study session
    assert run("training", "calibrate", "--db", path, "--session", "T01:2", "--instrument", "hstbs",
               "--raters", "R02,R03", "--title", "Week 3") == 0
    assert run("training", "calibrations", "--db", path) == 0
    assert "0/2 submitted  waiting" in capsys.readouterr().out
    assert run("training", "consensus", "--db", path) == 0
    assert "D01:1 hstbs asg1  spread 3  R01: 0  R03: 3" in capsys.readouterr().out
    assert run("training", "consensus-set", "--db", path, "--session", "D01:1", "--instrument", "hstbs",
               "--item", "asg1", "--score", "7") == 1
    assert "outside 0–4" in capsys.readouterr().err
    assert run("training", "consensus-set", "--db", path, "--session", "D01:1", "--instrument", "hstbs",
               "--item", "asg1", "--score", "2", "--note", "agreed") == 0
    assert run("training", "consensus", "--db", path) == 0
    assert "consensus 2" in capsys.readouterr().out
    db.close()
