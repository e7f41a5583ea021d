"""Session Rater: rate psychotherapy-session recordings and pool the ratings."""

__version__ = "0.1.0"
