"""``rater segment``: the stretch of the recordings raters rate, per study, session or assignment."""

from __future__ import annotations

import argparse

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db, pick_study


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("segment", help=COORDINATOR + "set the part of the recording raters rate (e.g. 10:00-30:00)",
                            description="Set the segment for the whole study, one session (PATIENT:NUMBER) "
                                        "or one assignment (its id). 'all' clears it. Coordinator-only: asks for the "
                                        "coordinator password.")
    add_db_argument(parser, coordinator=True)
    add_study_argument(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--session", metavar="PATIENT:NUMBER", help="only this session, e.g. P012:3")
    where.add_argument("--assignment", metavar="ID", help="only this assignment")
    parser.add_argument("segment", help="start-end as m:ss or minutes, e.g. 10:00-30:00, 20-40, 10- or all")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.errors import StudyError
    from rater.study.rating.segments import format_segment, parse_segment, set_segment

    db = open_db(args, coordinator=True)
    try:
        segment = parse_segment(args.segment)
        study_id = pick_study(db, args.study)
        if args.assignment:
            set_segment(db, assignment_id=args.assignment, segment=segment)
            where = f"assignment {args.assignment}"
        elif args.session:
            patient, _, number = args.session.partition(":")
            with db.reading() as s:
                session_id = s.scalar(select(m.Session.id).join(m.Patient, m.Patient.id == m.Session.patient_id)
                                      .where(m.Patient.study_id == study_id, m.Patient.code == patient,
                                             m.Session.number == int(number or 0)))
            if session_id is None:
                print(f"error: no session {args.session} in this study")
                return 2
            set_segment(db, session_id=session_id, segment=segment)
            where = f"session {args.session}"
        else:
            set_segment(db, study_id=study_id, segment=segment)
            where = "the whole study"
    except (StudyError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    print(f"segment for {where}: {format_segment(segment)}")
    return 0
