"""Coordinator screens for importing and checking recordings."""
