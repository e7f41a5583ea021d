"""Helpers shared by sub-commands: opening the database, the coordinator password, choosing a study."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

# Exit status of a coordinator command refused for a missing or wrong password.
EXIT_DENIED = 3
COORDINATOR = "[coordinator] "


def add_db_argument(parser: argparse.ArgumentParser, required: bool = True, *, coordinator: bool = False) -> None:
    """Add ``--db``; a coordinator-only command also gets ``--password-file``."""
    parser.add_argument("--db", required=required, help="database file or SQLAlchemy URL")
    if coordinator:
        add_password_argument(parser)


def add_password_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-file", metavar="FILE", type=Path,
                        help="coordinator-only: read the coordinator password from the first line of FILE "
                             "(for scripts; keep the file readable by you alone). Without it the password "
                             "is asked for on the terminal.")


def add_study_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", metavar="CODE", help="study code (needed only when the database holds several)")


def open_db(args: argparse.Namespace, *, coordinator: bool = False, reading_only: bool = False):
    """Open ``args.db``; on failure print the reason and exit with status 2.

    ``coordinator``: the command is coordinator-only, so the coordinator
    password is required (exit status 3 without it). ``reading_only``: the
    command only reads, so a database on read-only media is opened for reading.
    """
    from rater.storage import DatabaseError, open_database

    try:
        db = open_database(args.db, reading_only=reading_only)
    except DatabaseError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if coordinator:
        try:
            require_coordinator(db, getattr(args, "password_file", None))
        except BaseException:
            db.close()
            raise
    return db


def require_coordinator(db, password_file: Path | None) -> None:
    """Return when the coordinator password is right; otherwise print why and exit with status 3.

    A database without a coordinator password yet is open to the command, as
    coordinator mode is in the app before its first use; a note says so.
    """
    from rater.storage import DatabaseError
    from rater.study.setup import coordination

    try:
        if not coordination.has_coordinator_password(db):
            print("note: no coordinator password is set for this database yet; set one in the app "
                  "(Session → Coordinator…) so that only coordinators can run this command", file=sys.stderr)
            return
        password = _read_password(password_file)
        ok = coordination.check_coordinator_password(db, password)
    except DatabaseError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if not ok:
        print("error: wrong coordinator password; nothing was done (each further wrong password "
              "waits longer)", file=sys.stderr)
        raise SystemExit(EXIT_DENIED)


def _read_password(password_file: Path | None) -> str:
    return read_secret(password_file, noun="password", what="coordinator password", option="--password-file",
                       why="this command is for coordinators")


def read_secret(path: Path | None, *, noun: str, what: str, option: str, why: str) -> str:
    """A password or PIN from the first line of ``path``, or asked for on the terminal; exits 3 without one."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            print(f"error: cannot read the {noun} file {path}: {getattr(err, 'strerror', None) or err}",
                  file=sys.stderr)
            raise SystemExit(EXIT_DENIED) from None
        secret = text.splitlines()[0] if text else ""
        if not secret:
            print(f"error: the {noun} file {path} is empty; nothing was done", file=sys.stderr)
            raise SystemExit(EXIT_DENIED)
        return secret
    if not sys.stdin.isatty():
        print(f"error: {why}: give the {what} with {option} FILE (there is no terminal to ask for it); "
              "nothing was done", file=sys.stderr)
        raise SystemExit(EXIT_DENIED)
    try:
        secret = getpass.getpass(f"{what[0].upper()}{what[1:]}: ")
    except (EOFError, KeyboardInterrupt):
        print(f"\nerror: no {noun} given; nothing was done", file=sys.stderr)
        raise SystemExit(EXIT_DENIED) from None
    if not secret:
        print(f"error: no {noun} given; nothing was done", file=sys.stderr)
        raise SystemExit(EXIT_DENIED)
    return secret


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
