"""Instrument definitions (data files) and their scoring."""

from rater.instruments.loader import InstrumentError, Problem, content_hash, load_data, load_file, load_text
from rater.instruments.model import Applicability, Instrument, Item, RecodeRule, Scale, ScoringRule
from rater.instruments.scoring import Response, ScaleScore, missing_required, score_all, score_scale

__all__ = [
    "Applicability", "Instrument", "InstrumentError", "Item", "Problem", "RecodeRule", "Response",
    "Scale", "ScaleScore", "ScoringRule", "content_hash", "load_data", "load_file", "load_text",
    "missing_required", "score_all", "score_scale",
]
