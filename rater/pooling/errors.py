"""Errors of pooling; every message is written for the coordinator at the desk."""

from __future__ import annotations

from rater.study.errors import StudyError


class PackageError(StudyError):
    """A package was refused; nothing was changed. ``str(err)`` says why and what to do."""
