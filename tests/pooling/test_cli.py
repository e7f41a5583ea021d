"""``rater package …`` from the command line, end to end."""

from __future__ import annotations

import argparse

import pytest

from rater.commands import package
from rater.storage import open_database

from .helpers import build_study, queue, rate


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="rater")
    package.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.handler(args)


@pytest.fixture
def paths(tmp_path):
    return {name: str(tmp_path / name) for name in ("lab.sqlite", "desk.sqlite", "study.srpkg", "r.srpkg",
                                                    "desk2.sqlite", "r2.srpkg")}


def test_the_whole_workflow(paths, media, capsys):
    lab = open_database(paths["lab.sqlite"])
    build_study(lab, media, raters=2)
    lab.close()
    assert run("package", "export-study", "--db", paths["lab.sqlite"], "--out", paths["study.srpkg"]) == 0
    assert "wrote" in capsys.readouterr().out
    for desk in ("desk.sqlite", "desk2.sqlite"):
        code = run("package", "import-study", "--db", paths[desk], paths["study.srpkg"], "--media-root", str(media))
        assert code == 0
    out = capsys.readouterr().out
    assert "study POOL: created" in out and "with matching checksums" in out
    desks = [open_database(paths["desk.sqlite"]), open_database(paths["desk2.sqlite"])]
    aid = queue(desks[0], "R01")[0]
    rate(desks[0], "R01", aid, {"q1": 1})
    rate(desks[1], "R01", aid, {"q1": 2})
    for db in desks:
        db.close()
    assert run("package", "export", "--db", paths["desk.sqlite"], "--rater", "R01", "--out", paths["r.srpkg"]) == 0
    assert run("package", "export", "--db", paths["desk2.sqlite"], "--out", paths["r2.srpkg"]) == 0
    assert "1 rating(s) of study POOL (R01)" in capsys.readouterr().out
    assert run("package", "import", "--db", paths["lab.sqlite"], paths["r.srpkg"], paths["r2.srpkg"]) == 0
    out = capsys.readouterr().out
    assert "r.srpkg: imported — 1 new" in out and "1 conflict(s) to resolve" in out
    assert run("package", "import", "--db", paths["lab.sqlite"], paths["r.srpkg"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert run("package", "conflicts", "--db", paths["lab.sqlite"]) == 0
    listing = capsys.readouterr().out
    assert "item q1: 1 here, 2 in the package" in listing
    conflict = listing.split()[0]
    assert run("package", "resolve", "--db", paths["lab.sqlite"], conflict[:8], "--keep", "incoming",
               "--reason", "second desktop was the assigned one") == 0
    assert "kept the incoming version" in capsys.readouterr().out
    assert run("package", "conflicts", "--db", paths["lab.sqlite"]) == 0
    assert "no unresolved conflicts" in capsys.readouterr().out
    assert run("package", "conflicts", "--db", paths["lab.sqlite"], "--all") == 0
    assert "kept incoming: second desktop was the assigned one" in capsys.readouterr().out


def test_failures_exit_non_zero_with_a_message(paths, tmp_path, capsys):
    bad = tmp_path / "bad.srpkg"
    bad.write_bytes(b"")
    assert run("package", "import", "--db", paths["lab.sqlite"], str(bad)) == 1
    assert "is empty (0 bytes)" in capsys.readouterr().out
    assert run("package", "import-study", "--db", paths["desk.sqlite"], str(bad)) == 1
    assert "is empty" in capsys.readouterr().err
    assert run("package", "resolve", "--db", paths["lab.sqlite"], "abcdef12", "--keep", "stored",
               "--reason", "x") == 1
    assert "No conflict" in capsys.readouterr().err
