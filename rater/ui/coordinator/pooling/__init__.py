"""Coordinator screens for pooling ratings from lab desktops."""
