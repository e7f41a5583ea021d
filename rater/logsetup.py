"""One place that configures logging: a rotating file in the user log folder."""

from __future__ import annotations

import logging
import logging.handlers


def setup_logging(level: str = "INFO") -> None:
    from rater.paths import log_dir

    root = logging.getLogger()
    if any(getattr(h, "_rater", False) for h in root.handlers):
        return
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir() / "rater.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        # A read-only home folder must not stop the app; log to stderr instead.
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._rater = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
