"""The rating page fits the screens labs have: five items at 1280×720, all help texts at 1920×1080."""

from __future__ import annotations

import pytest
from test_real_player_widget import FakeBackend


@pytest.fixture
def player_factory():
    """The real player widget (its real size) on a backend that touches no device."""
    from rater.ui.player import PlayerWidget

    return lambda parent, host: PlayerWidget(parent, shortcut_host=host, player_factory=FakeBackend)


def _items_on_screen(page) -> list[str]:
    """Items whose value buttons can be seen (and clicked) without scrolling."""
    return [item_id for item_id, row in page.form.rows.items()
            if all(not b.visibleRegion().isEmpty() for b in row.buttons.values())]


@pytest.mark.parametrize(("size", "least", "compact"), [((1280, 720), 5, True), ((1920, 1080), 5, False)])
def test_items_visible_at_once(qtbot, window, open_rating, size, least, compact):
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    qtbot.waitUntil(lambda: len(_items_on_screen(page)) >= least, timeout=3000)
    row = page.form.rows["asg1"]
    assert row.help_label.isVisibleTo(page) is not compact
    if compact:  # folded into the title's tooltip, not lost
        assert row.item.help in row.title.toolTip()
    # The player keeps every control on screen beside the form.
    bar = page.player_area.player.transport
    assert all(not w.visibleRegion().isEmpty() for w in bar.controls() if w.isVisibleTo(bar))
