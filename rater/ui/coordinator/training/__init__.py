"""Coordinator screens for rater training: gold material, calibration, certification, consensus, drift."""
