"""Coordinator screens for reliability figures and charts."""
