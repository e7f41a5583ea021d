"""Training on the rating page: the worked-example tab, and the feedback shown once a practice is submitted.

The rating page itself knows nothing of training; this module adds to it
through its public parts (tabs, splitter, the session's ``submitted`` signal),
so practice is rated with exactly the same player and form as a study session.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rater.storage.database import Database, DatabaseError
from rater.study.errors import StudyError
from rater.study.training.desk import GoldSealed, TrainingDesk
from rater.ui import dialogs
from rater.ui.training.feedback_panel import FeedbackPanel
from rater.ui.training.worked_example import WorkedExamplePanel

if TYPE_CHECKING:
    from rater.ui.rating.rating_page import RatingPage

log = logging.getLogger(__name__)


def attach_training(page: RatingPage, db: Database) -> None:
    """Add what a training assignment needs to ``page``; a study session is left as it is."""
    desk = TrainingDesk(db)
    view = page.view
    try:
        kind = desk.kind(view.assignment_id, view.rater_id)
        if kind == "worked_example":
            panel = WorkedExamplePanel(desk.worked_example(view.assignment_id, view.rater_id))
            panel.seek_requested.connect(page.seek_to)
            page.tabs.insertTab(0, panel, "Worked example (gold)")
            page.tabs.setCurrentIndex(0)
    except (DatabaseError, StudyError) as exc:
        log.warning("training panel not shown: %s", exc)
        return
    page.feedback_panel = None
    page.session.submitted.connect(lambda: show_feedback(page, desk))
    if kind not in (None, "expert") and view.read_only:
        show_feedback(page, desk)


def show_feedback(page: RatingPage, desk: TrainingDesk) -> FeedbackPanel | None:
    """Put the feedback where the form was; ``None`` for study sessions (they have no gold)."""
    view = page.view
    try:
        fb = desk.feedback(view.assignment_id, view.rater_id)
    except GoldSealed:
        return None  # a study session, or a practice kind without feedback: nothing to show
    except (DatabaseError, StudyError) as exc:
        dialogs.warn(page, "Feedback", f"The feedback cannot be shown: {exc}")
        return None
    panel = FeedbackPanel(fb)
    panel.seek_requested.connect(page.seek_to)
    page.splitter.replaceWidget(1, panel)
    page.form.hide()
    page.feedback_panel = panel
    return panel
