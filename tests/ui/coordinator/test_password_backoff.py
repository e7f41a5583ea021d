"""Wrong passwords made earlier (another start, another desktop) slow the dialog down too, and it says so."""

from __future__ import annotations

import re

from rater.study import backoff
from rater.study.setup import coordination
from rater.ui.coordinator.mode import active_mode
from rater.ui.coordinator.password import PasswordDialog
from tests.ui.coordinator.coordinator_helpers import PASSWORD


def test_the_dialog_waits_out_earlier_failures_and_says_how_long(qtbot, window, db):
    coordination.set_coordinator_password(db, PASSWORD)
    backoff.record_failure(db)
    backoff.record_failure(db)  # two in a row: the next check waits 2 s
    window.coordinator_action.trigger()
    dialog = active_mode(window).dialog
    assert isinstance(dialog, PasswordDialog)
    dialog.field.setText(PASSWORD)
    dialog.ok_button.click()
    # 2 s less the moment it took to open the dialog, rounded up.
    assert re.search(r"waiting [12] s after earlier wrong passwords", dialog.message.text())
    qtbot.waitUntil(lambda: active_mode(window).page is not None, timeout=10_000)
    assert backoff.wait_seconds(db) == 0
