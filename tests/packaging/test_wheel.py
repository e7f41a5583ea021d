"""A regular (non-editable) wheel carries everything the app loads at run time.

The wheel is built from a copy of the source tree and installed into a fresh
virtual environment that cannot see the source tree nor its editable install:
the shared environment's site-packages is only put on ``sys.path`` by a plain
``.pth`` line, so its own ``.pth`` files (the editable finder among them) are
never run. Anything left out of the wheel's package data therefore fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the installed package must load, run from outside the source tree.
CHECK = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import rater
    from rater.instruments.loader import bundled_instrument_files, load_file
    from rater.paths import RESOURCES
    from rater.storage import open_database
    from rater.study.setup.demo import create_demo_study, demo_recordings
    from rater.study.setup.studyfile import load_study_file

    site = Path(sys.argv[1]).resolve()
    assert Path(rater.__file__).resolve().is_relative_to(site), rater.__file__
    assert RESOURCES.resolve().is_relative_to(site), RESOURCES
    names = sorted(load_file(p)[0].id for p in bundled_instrument_files())
    print("instruments", *names)
    print("recordings", len(demo_recordings()))
    spec = load_study_file(RESOURCES / "studies" / "homework_ct.toml")
    print("study", spec.study["code"], len(spec.instruments))
    db = open_database(Path(sys.argv[2]))
    print("demo", bool(create_demo_study(db)))
    """
)


def _copy_source(dest: Path) -> None:
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "rater", dest / "rater", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def test_wheel_has_instruments_studies_and_demo(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _copy_source(source)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(source)], check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("session_rater-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies come from the shared environment; a bare path line in a .pth
    # adds that folder without processing the .pth files inside it.
    (site / "shared_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, cwd=tmp_path)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["RATER_DATA_DIR"] = str(tmp_path / "data")
    run = tmp_path / "run"
    run.mkdir()
    helped = subprocess.run([str(venv / "bin" / "rater"), "--help"], cwd=run, env=env,
                            capture_output=True, text=True)
    assert helped.returncode == 0, helped.stderr
    assert "usage: rater" in helped.stdout

    checked = subprocess.run([str(python), "-c", CHECK, str(site), str(tmp_path / "demo.sqlite")],
                             cwd=run, env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    lines = dict(line.split(" ", 1) for line in checked.stdout.splitlines())
    assert lines["instruments"].split() == ["hes_ct", "hes_general", "hstbs"]
    assert lines["recordings"] == "4"
    assert lines["study"].split()[0] == "HWCT"
    assert lines["demo"] == "True"
