"""Rater training: training material and gold ratings, practice feedback, certification, drift, consensus.

Gold is read only through :mod:`rater.study.training.desk` (rater side, sealed
until the practice rating is submitted) and the coordinator services; nothing
here imports Qt.
"""
