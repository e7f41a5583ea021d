"""Inter-rater reliability statistics, free of Qt, VLC and the database.

Entry points: :func:`analyse` (long-format ratings to a
:class:`ReliabilityReport`), :func:`report_to_json`, :func:`read_ratings_csv`,
and the single statistics :func:`icc`, :func:`cronbach_alpha` and
:func:`krippendorff_alpha`.
"""

from rater.stats.alpha import (
    AlphaResult,
    SessionAlpha,
    cronbach_alpha,
    cronbach_alpha_by_session_number,
)
from rater.stats.analysis import ReliabilityReport, ScaleReliability, analyse
from rater.stats.bias import RaterBias, rater_bias
from rater.stats.csv_input import read_ratings_csv
from rater.stats.encoding import Coded
from rater.stats.icc import ICC_CI_METHOD, ICC_FORMS, IccResult, icc
from rater.stats.json_report import report_to_json
from rater.stats.kalpha import KrippendorffResult, krippendorff_alpha
from rater.stats.scoring import ScaleSpec
from rater.stats.table import RatingRow, RatingTable, StatsInputError

__all__ = [
    "ICC_CI_METHOD",
    "ICC_FORMS",
    "AlphaResult",
    "Coded",
    "IccResult",
    "KrippendorffResult",
    "RaterBias",
    "RatingRow",
    "RatingTable",
    "ReliabilityReport",
    "ScaleReliability",
    "ScaleSpec",
    "SessionAlpha",
    "StatsInputError",
    "analyse",
    "cronbach_alpha",
    "cronbach_alpha_by_session_number",
    "icc",
    "krippendorff_alpha",
    "rater_bias",
    "read_ratings_csv",
    "report_to_json",
]
