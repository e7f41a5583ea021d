"""``rater study …``: create a study from a study file, import recordings."""

from __future__ import annotations

import argparse

from rater.commands.common import COORDINATOR, add_db_argument, open_db


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("study", help=COORDINATOR + "set up a study (from a study file, recordings)")
    inner = parser.add_subparsers(dest="study_command", metavar="ACTION")
    create = inner.add_parser(
        "create",
        help="create a study from a study file (TOML)",
        description="Create a study from a study file. Every problem in the file is listed with its "
        "location and nothing is created. Example: rater/resources/studies/homework_ct.toml",
    )
    add_db_argument(create, coordinator=True)
    create.add_argument("file", metavar="STUDYFILE")
    create.add_argument("--check", action="store_true", help="only validate the file")
    create.set_defaults(handler=run_create)

    from rater.commands.recordings import add_import_recordings_parser

    add_import_recordings_parser(inner)


def run_create(args: argparse.Namespace) -> int:
    from rater.study.setup.studyfile import StudyFileError, create_study, load_study_file

    try:
        spec = load_study_file(args.file)
    except StudyFileError as err:
        print(f"{args.file}: {len(err.problems)} problem(s); nothing was created")
        for problem in err.problems:
            print(f"  {problem}")
        return 1
    summary = (f"{spec.study['code']}: {len(spec.teams)} team(s), {len(spec.raters)} rater(s), "
               f"{len(spec.patients)} patient(s), {sum(len(p['sessions']) for p in spec.patients)} session(s)")
    if args.check:
        print(f"{args.file}: OK — {summary}")
        return 0
    db = open_db(args, coordinator=True)
    try:
        create_study(db, spec)
    except StudyFileError as err:
        print(f"{args.file}: {err.problems[0]}; nothing was created")
        return 1
    print(f"created study {summary}")
    return 0
