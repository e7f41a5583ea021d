"""Playing and inspecting session recordings.

Importing this package is cheap: libVLC and Qt are only loaded when a player
is created or a file is probed.  Probing lives in :mod:`rater.media.probe`
(``probe``, ``file_checksum``); it is not re-exported here so that the
function would not shadow its module.
"""

from rater.media.base import MediaError, MediaInfo, Player, PlayerCallbacks, PlayerState
from rater.media.factory import create_player

__all__ = [
    "MediaError",
    "MediaInfo",
    "Player",
    "PlayerCallbacks",
    "PlayerState",
    "create_player",
]
