"""The recording player widget and its Qt wrapper around a media backend."""

from rater.ui.player.controller import PlayerController
from rater.ui.player.panels import embed
from rater.ui.player.shortcuts import PLAYER_SHORTCUTS, shortcut_help
from rater.ui.player.timefmt import format_clock, format_elapsed
from rater.ui.player.widget import PlayerWidget

__all__ = [
    "PLAYER_SHORTCUTS",
    "PlayerController",
    "PlayerWidget",
    "embed",
    "format_clock",
    "format_elapsed",
    "shortcut_help",
]
