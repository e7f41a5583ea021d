"""``rater training``: training material, gold, practice, certification (coordinator), feedback (rater)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rater.commands.common import (
    COORDINATOR,
    EXIT_DENIED,
    add_db_argument,
    add_study_argument,
    open_db,
    pick_study,
    read_secret,
)

EPILOG = """\
examples:
  rater training mark --db lab.sqlite --session T01:1 --phase practice
  rater training gold-import --db lab.sqlite gold.csv      (recording, item, gold_score[, rationale])
  rater training assign --db lab.sqlite --session T01:1 --instrument hstbs --raters R01,R02
  rater training criterion --db lab.sqlite --instrument hstbs --within1 80% --mad 0.75 --last 3 --valid-days 365
  rater training hold --db lab.sqlite on
  rater training status --db lab.sqlite --history
  rater training feedback --db lab.sqlite --rater R01 --session T01:1 --instrument hstbs
  rater training drift --db lab.sqlite --raters R01,R02 --instrument hstbs --mode hidden --every-sessions 5
  rater training calibrate --db lab.sqlite --session T01:1 --instrument hstbs --raters R01,R02 --title "Week 3"
  rater training consensus --db lab.sqlite --threshold 2
"""


def _cmd(inner, name: str, help_: str, handler, coordinator: bool = True) -> argparse.ArgumentParser:
    """One action; every action but a rater's own feedback is for coordinators and asks for their password."""
    help_ = (COORDINATOR if coordinator else "") + help_
    p = inner.add_parser(name, help=help_, description=help_)
    add_db_argument(p, coordinator=coordinator)
    add_study_argument(p)
    p.set_defaults(handler=handler, coordinator=coordinator)
    return p


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("training", help="rater training: gold, practice, certification ([coordinator] "
                                             "but for a rater's own feedback)",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    inner = parser.add_subparsers(dest="training_command", metavar="ACTION", required=True)
    _cmd(inner, "list", "list training material with its gold and practice", run_list)
    p = _cmd(inner, "mark", "make a session training material", run_mark)
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p.add_argument("--phase", choices=("practice", "worked_example"), default="practice")
    p = _cmd(inner, "phase", "set a training recording's phase", run_phase)
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p.add_argument("--phase", choices=("practice", "worked_example"), required=True)
    p = _cmd(inner, "delete", "delete a training session that nobody has rated", run_delete)
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p = _cmd(inner, "gold-import", "import gold ratings from CSV, all or nothing", run_gold_import)
    p.add_argument("file", metavar="FILE.csv")
    p = _cmd(inner, "promote", "make a submitted rating of a training recording its gold", run_promote)
    _rating_args(p)
    p = _cmd(inner, "assign", "give a training recording to raters", run_assign)
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p.add_argument("--instrument", required=True, metavar="KEY")
    p.add_argument("--raters", required=True, metavar="CODE[,CODE…]")
    p.add_argument("--expert", action="store_true", help="an expert rating to promote to gold (no feedback)")
    p = _cmd(inner, "criterion", "set the certification criterion of an instrument", run_criterion)
    p.add_argument("--instrument", required=True, metavar="KEY")
    p.add_argument("--within1", required=True, help="share of items within ±1 of gold, e.g. 80%%")
    p.add_argument("--mad", required=True, type=float, help="highest mean absolute difference, e.g. 0.75")
    p.add_argument("--last", required=True, type=int, metavar="N", help="practice recordings counted")
    p.add_argument("--valid-days", type=int, help="validity period; then recertification")
    p = _cmd(inner, "hold", "hold study assignments until raters are certified", run_hold)
    p.add_argument("state", choices=("on", "off"))
    p = _cmd(inner, "status", "certification status of every rater with the figures behind it", run_status)
    p.add_argument("--history", action="store_true", help="every decision, not only the latest")
    p = _cmd(inner, "feedback", "a rater's feedback on their submitted practice rating (asks for the rater's PIN "
                                "if they have one)", run_feedback, coordinator=False)
    _rating_args(p)
    p.add_argument("--pin-file", metavar="FILE", type=Path,
                   help="read the rater's PIN from the first line of FILE (for scripts); without it the PIN is "
                        "asked for on the terminal")
    p = _cmd(inner, "drift", "schedule drift checks for raters", run_drift)
    p.add_argument("--raters", required=True, metavar="CODE[,CODE…]")
    p.add_argument("--instrument", required=True, metavar="KEY")
    p.add_argument("--mode", choices=("hidden", "open"), default="hidden")
    every = p.add_mutually_exclusive_group(required=True)
    every.add_argument("--every-sessions", type=int, metavar="N", help="one check every N submitted study sessions")
    every.add_argument("--every-days", type=int, metavar="M", help="one check every M days")
    _cmd(inner, "drift-place", "place every drift check that has come due", run_drift_place)
    p = _cmd(inner, "calibrate", "open a calibration meeting on a training recording", run_calibrate)
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p.add_argument("--instrument", required=True, metavar="KEY")
    p.add_argument("--raters", required=True, metavar="CODE,CODE[,…]")
    p.add_argument("--title", default="")
    _cmd(inner, "calibrations", "list calibration meetings with their boards", run_calibrations)
    p = _cmd(inner, "consensus", "list items where raters disagree", run_consensus)
    p.add_argument("--threshold", type=float, default=2, help="flag at this spread (default 2)")
    p.add_argument("--rule", choices=("range", "from_mean"), default="range")
    p = _cmd(inner, "consensus-set", "record a consensus score of a study session item",
             run_consensus_set)
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p.add_argument("--instrument", required=True, metavar="KEY")
    p.add_argument("--item", required=True)
    p.add_argument("--score", required=True, type=int)
    p.add_argument("--note", default="")


def _rating_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rater", required=True, metavar="CODE")
    p.add_argument("--session", required=True, metavar="PATIENT:NUMBER")
    p.add_argument("--instrument", required=True, metavar="KEY")


def _fail(err: Exception) -> int:
    print(f"error: {err}", file=sys.stderr)
    return 1


def _guard(run):
    """Study errors become a message and exit status 1 (nothing was changed)."""
    def wrapped(args: argparse.Namespace) -> int:
        from rater.study.errors import StudyError

        try:
            return run(args, open_db(args, coordinator=args.coordinator))
        except StudyError as err:
            return _fail(err)
    return wrapped


def _session(db, args) -> str:
    from rater.study.training.material import find_session

    return find_session(db, pick_study(db, args.study), args.session)


def _instrument(db, key: str) -> str:
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.errors import NotFound

    with db.reading() as s:
        found = s.scalar(select(m.InstrumentRecord.id).where(m.InstrumentRecord.key == key).order_by(m.InstrumentRecord.created_at.desc()))
    if found is None:
        raise NotFound(f"No instrument {key!r}.")
    return found


def _rater(db, study_id: str, code: str) -> str:
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.errors import NotFound

    with db.reading() as s:
        found = s.scalar(select(m.Rater.id).where(m.Rater.study_id == study_id, m.Rater.code == code))
    if found is None:
        raise NotFound(f"No rater {code!r} in this study.")
    return found


def _assignment(db, args) -> tuple[str, str]:
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.errors import NotFound

    rater_id = _rater(db, pick_study(db, args.study), args.rater)
    session_id, instrument_id = _session(db, args), _instrument(db, args.instrument)
    with db.reading() as s:
        found = s.scalar(select(m.Assignment.id).where(m.Assignment.rater_id == rater_id,
                                                       m.Assignment.session_id == session_id,
                                                       m.Assignment.instrument_id == instrument_id))
    if found is None:
        raise NotFound(f"{args.rater} has no assignment on {args.session} with {args.instrument}.")
    return found, rater_id


@_guard
def run_list(args, db) -> int:
    from rater.study.training.material import list_material
    from rater.study.training.views import PHASES

    rows = list_material(db, pick_study(db, args.study))
    if not rows:
        print("No training material yet (rater training mark --session PATIENT:NUMBER).")
    for v in rows:
        print(f"{v.patient_code}:{v.session_number:<4} {PHASES[v.phase]:15} gold: {', '.join(v.gold_instruments) or '—':24} "
              f"{v.submitted}/{v.assigned} rated  {v.recording}")
    return 0


@_guard
def run_mark(args, db) -> int:
    from rater.study.training.material import mark_training

    mark_training(db, _session(db, args), args.phase)
    print(f"{args.session} is now training material ({args.phase}).")
    return 0


@_guard
def run_phase(args, db) -> int:
    from rater.study.training.material import set_phase

    set_phase(db, _session(db, args), args.phase)
    print(f"{args.session}: {args.phase}.")
    return 0


@_guard
def run_delete(args, db) -> int:
    from rater.study.training.material import delete_training_session

    delete_training_session(db, _session(db, args))
    print(f"{args.session} deleted.")
    return 0


@_guard
def run_gold_import(args, db) -> int:
    from rater.study.training.gold_csv import GoldFileRejected, import_gold_csv

    try:
        result = import_gold_csv(db, pick_study(db, args.study), args.file)
    except GoldFileRejected as err:
        print(f"{args.file}: {len(err.problems)} problem(s); nothing was imported", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Gold imported: {result.items} item score(s) for {result.recordings} training recording(s).")
    return 0


@_guard
def run_promote(args, db) -> int:
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.training.gold import promote_rating

    assignment_id, _rater_id = _assignment(db, args)
    with db.reading() as s:
        rating_id = s.scalar(select(m.Rating.id).where(m.Rating.assignment_id == assignment_id))
    if rating_id is None:
        return _fail(f"{args.rater} has not rated {args.session} yet.")
    promote_rating(db, rating_id)
    print(f"{args.rater}'s rating of {args.session} is now the gold for {args.instrument}.")
    return 0


@_guard
def run_assign(args, db) -> int:
    from rater.study.training.practice import assign_practice

    study_id = pick_study(db, args.study)
    raters = [_rater(db, study_id, code.strip()) for code in args.raters.split(",") if code.strip()]
    made = assign_practice(db, _session(db, args), _instrument(db, args.instrument), raters, expert=args.expert)
    print(f"{args.session} given to {len(made)} rater(s).")
    return 0


@_guard
def run_criterion(args, db) -> int:
    from rater.study.training.certification import parse_share, set_criterion
    from rater.study.training.views import Criterion

    _instrument(db, args.instrument)
    c = Criterion(args.instrument, parse_share(args.within1), args.mad, args.last, args.valid_days)
    set_criterion(db, pick_study(db, args.study), c)
    print(f"{args.instrument}: {c.describe()}.")
    return 0


@_guard
def run_hold(args, db) -> int:
    from rater.study.training.certification import set_hold

    set_hold(db, pick_study(db, args.study), args.state == "on")
    print("Study assignments are held until raters are certified." if args.state == "on"
          else "Study assignments are no longer held for certification.")
    return 0


@_guard
def run_status(args, db) -> int:
    from rater.study.training.report import certification_report

    print(certification_report(db, pick_study(db, args.study), history=args.history))
    return 0


@_guard
def run_feedback(args, db) -> int:
    from rater.study.training.desk import TrainingDesk
    from rater.study.training.report import format_feedback

    assignment_id, rater_id = _assignment(db, args)
    if not _rater_confirmed(db, rater_id, args.pin_file):
        print(f"error: wrong PIN for {args.rater}; nothing is shown", file=sys.stderr)
        return EXIT_DENIED
    print(format_feedback(TrainingDesk(db).feedback(assignment_id, rater_id)))
    return 0


def _rater_confirmed(db, rater_id: str, pin_file: Path | None) -> bool:
    """The rater's PIN, as the app asks for it: feedback shows gold, so another person must not read it."""
    from rater.storage import models as m
    from rater.study.rating.workstation import Workstation

    with db.reading() as s:
        if s.get(m.Rater, rater_id).pin_hash is None:
            return True  # no PIN: the app lets anyone at this desktop act as this rater too
    return Workstation(db).check_pin(rater_id, read_secret(
        pin_file, noun="PIN", what="rater's PIN", option="--pin-file", why="feedback shows gold"))


def _codes(db, args) -> list[str]:
    study_id = pick_study(db, args.study)
    return [_rater(db, study_id, code.strip()) for code in args.raters.split(",") if code.strip()]


@_guard
def run_drift(args, db) -> int:
    from rater.study.training.drift import schedule

    instrument = _instrument(db, args.instrument)
    raters = _codes(db, args)
    for rater_id in raters:
        schedule(db, rater_id, instrument, args.mode, args.every_sessions, args.every_days)
    print(f"Drift checks ({args.mode}) scheduled for {len(raters)} rater(s).")
    return 0


@_guard
def run_drift_place(args, db) -> int:
    from rater.study.training.drift import place_due

    made = place_due(db, study_id=pick_study(db, args.study))
    print(f"{len(made)} drift check(s) placed.")
    return 0


@_guard
def run_calibrate(args, db) -> int:
    from rater.study.training.calibration import open_meeting

    open_meeting(db, _session(db, args), _instrument(db, args.instrument), _codes(db, args), args.title)
    print(f"Calibration opened on {args.session}; the board is shown when everyone has submitted.")
    return 0


@_guard
def run_calibrations(args, db) -> int:
    from rater.study.training.calibration import meetings

    for mt in meetings(db, pick_study(db, args.study)):
        done = sum(mt.attendees.values())
        print(f"{mt.opened_at:%Y-%m-%d %H:%M}  {mt.title or '(no title)'}  {mt.label}  {mt.instrument_name}  "
              f"{done}/{len(mt.attendees)} submitted  {'board shown' if mt.revealed else 'waiting'}")
        if mt.revealed:
            codes = list(mt.attendees)
            print(f"    {'item':8} {'gold':>4} " + " ".join(f"{c:>5}" for c in codes))
            for row in mt.rows:
                cells = " ".join(f"{'—' if row.scores[c] is None else row.scores[c]:>5}" for c in codes)
                print(f"    {row.item_id:8} {'—' if row.gold is None else row.gold:>4} {cells}")
    return 0


@_guard
def run_consensus(args, db) -> int:
    from rater.study.training.consensus import disagreements

    rows = disagreements(db, pick_study(db, args.study), args.threshold, args.rule)
    for d in rows:
        scores = "  ".join(f"{x.rater_code}: {'N/A' if x.is_na else x.value}" for x in d.scores)
        agreed = "" if d.consensus is None else f"  consensus {d.consensus}"
        print(f"{d.patient_code}:{d.session_number} {d.instrument_key} {d.item_id}  spread {d.spread:g}  "
              f"{scores}{agreed}")
    print(f"{len(rows)} item(s) flagged.")
    return 0


@_guard
def run_consensus_set(args, db) -> int:
    from rater.study.training.consensus import set_consensus
    from rater.study.training.material import find_session

    session_id = find_session(db, pick_study(db, args.study), args.session)
    set_consensus(db, session_id, _instrument(db, args.instrument), args.item, args.score, args.note)
    print(f"Consensus for {args.session} {args.item}: {args.score}. The raters' ratings are unchanged.")
    return 0
