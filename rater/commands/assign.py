"""``rater assign``: give every eligible session its raters (incremental, reproducible with --seed)."""

from __future__ import annotations

import argparse
import sys

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db, pick_study


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "assign",
        help=COORDINATOR + "assign raters to sessions (k per session, one session per patient per rater, even loads)",
        description="Assign raters to every session their team rates. Sessions that already have their "
        "raters are left alone and no existing assignment is removed, so the command can be run again "
        "after adding patients or sessions. The seed used is printed; pass it with --seed to reproduce a run.",
    )
    add_db_argument(parser, coordinator=True)
    add_study_argument(parser)
    parser.add_argument("--team", metavar="NAME", help="only this team (default: every team of the study)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default: drawn and printed)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from rater.storage import DatabaseError
    from rater.storage import models as m
    from rater.study.assign import format_report, generate_assignments
    from rater.study.errors import StudyError

    db = open_db(args, coordinator=True)
    try:
        study_id = pick_study(db, args.study)
        team_id = None
        if args.team:
            with db.reading() as s:
                teams = dict(s.execute(select(m.Team.name, m.Team.id).where(m.Team.study_id == study_id)).all())
            team_id = teams.get(args.team)
            if team_id is None:
                print(f"error: no team named {args.team!r} (teams: {', '.join(sorted(teams)) or 'none'})",
                      file=sys.stderr)
                return 1
        report = generate_assignments(db, study_id, team_id=team_id, seed=args.seed)
    except StudyError as err:
        print(f"error: {err}; nothing was assigned", file=sys.stderr)
        return 1
    except DatabaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(format_report(report))
    return 0
