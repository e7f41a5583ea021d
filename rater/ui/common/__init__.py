"""Widgets and helpers both the rater's and the coordinator's screens use."""
