"""Pooling ratings from lab desktops that share nothing, through package files.

A coordinator exports the study set-up as a *study package*
(:func:`export_study`); each desktop imports it (:func:`import_study`) and
gets the same rows with the same UUIDs. Raters rate there; each desktop
exports a *ratings package* (:func:`export_ratings`) which the coordinator
imports (:func:`import_packages`): all or nothing per package, idempotent,
order-independent, and a rating is only replaced by a version that descends
from it. Two different edits of one rating become a conflict
(:func:`list_conflicts`, :func:`resolve_conflict`). No Qt here.
"""

from rater.pooling.conflicts import ConflictView, find_conflict, list_conflicts, resolve_conflict
from rater.pooling.errors import PackageError
from rater.pooling.ratings_export import RatingsExport, export_ratings
from rater.pooling.ratings_import import ImportResult, import_package, import_packages
from rater.pooling.study_export import StudyExport, export_study
from rater.pooling.study_import import StudyImport, import_study

__all__ = [
    "ConflictView",
    "ImportResult",
    "PackageError",
    "RatingsExport",
    "StudyExport",
    "StudyImport",
    "export_ratings",
    "export_study",
    "find_conflict",
    "import_package",
    "import_packages",
    "import_study",
    "list_conflicts",
    "resolve_conflict",
]
