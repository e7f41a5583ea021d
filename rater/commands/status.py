"""``rater status``: progress per team, rater (and session), with quality flags."""

from __future__ import annotations

import argparse

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db, pick_study


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help=COORDINATOR + "print the progress of a study with quality flags",
                            description="Progress per team, rater and session with quality flags. "
                            "Coordinator-only: asks for the coordinator password. Works on a database on "
                            "read-only media.")
    add_db_argument(parser, coordinator=True)
    add_study_argument(parser)
    parser.add_argument("--sessions", action="store_true", help="also list every session")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rater.study.reports.progress import format_progress, study_progress
    from rater.study.training.report import certification_report

    db = open_db(args, coordinator=True, reading_only=True)
    study_id = pick_study(db, args.study)
    print(format_progress(study_progress(db, study_id), sessions=args.sessions))
    print("\n" + certification_report(db, study_id))
    return 0
