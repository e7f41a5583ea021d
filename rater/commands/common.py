"""Helpers shared by sub-commands: opening the database and choosing a study."""

from __future__ import annotations

import argparse
import sys


def add_db_argument(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--db", required=required, help="database file or SQLAlchemy URL")


def add_study_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", metavar="CODE", help="study code (needed only when the database holds several)")


def open_db(args: argparse.Namespace):
    """Open ``args.db``; on failure print the reason and exit with status 2."""
    from rater.storage import DatabaseError, open_database

    try:
        return open_database(args.db)
    except DatabaseError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None


def pick_study(db, code: str | None) -> str:
    """The id of the study with ``code``, or of the only study; exits with a message otherwise."""
    from sqlalchemy import select

    from rater.storage import models as m

    with db.reading() as s:
        studies = list(s.execute(select(m.Study.id, m.Study.code)).all())
    if code:
        for study_id, study_code in studies:
            if study_code == code:
                return study_id
        print(f"error: no study with code {code!r} (found: {', '.join(c for _, c in studies) or 'none'})",
              file=sys.stderr)
        raise SystemExit(1)
    if len(studies) == 1:
        return studies[0][0]
    if not studies:
        print("error: the database holds no study yet (create one with: rater study create)", file=sys.stderr)
    else:
        print(f"error: several studies; choose one with --study ({', '.join(c for _, c in studies)})",
              file=sys.stderr)
    raise SystemExit(1)
