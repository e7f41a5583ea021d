"""Where the application keeps its files.

``RATER_DATA_DIR`` overrides the platform data folder (tests point it at a
temporary directory).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

# The instruments, study files, schemas and demo recordings travel inside the package
# (package data), so an installed wheel has them. The package is installed as plain
# files, never zipped: the instruments are listed with glob() and the recordings are
# opened by path by the media backends, so a real folder is what every user needs.
RESOURCES = Path(str(resources.files("rater").joinpath("resources")))
APP_NAME = "SessionRater"


def data_dir() -> Path:
    """The folder holding the default database and logs (created on demand)."""
    override = os.environ.get("RATER_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    # Owner-only: the default database and the logs in here are nobody else's business.
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "ratings.sqlite"
