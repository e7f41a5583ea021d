"""Training material: mark sessions as training, phases, gold (CSV or promoted rating), give to raters."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QLabel, QWidget

from rater.study.training import gold, gold_csv, material, practice
from rater.study.training.views import PHASES, MaterialView
from rater.ui import dialogs
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.training import asks as training_asks
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row, selected_key

log = logging.getLogger(__name__)

COLUMNS = ["Recording", "Phase", "Gold", "Rated", "File"]


class TrainingScreen(Screen):
    title = "Training"
    subtitle = ("Recordings from outside the study for training raters. They never appear in study assignments, "
                "progress, reliability or the study sheets of the export. Each needs a gold rating (import a CSV "
                "or promote an expert's submitted rating) before it is given to raters.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.rows: list[MaterialView] = []
        self.table = make_table(COLUMNS, stretch=4)
        self.status = QLabel(objectName="muted")
        self.status.setWordWrap(True)
        self.mark_button = button("Mark session as training…", self.mark, "Make a session training material")
        self.phase_button = button("Switch phase", self.switch_phase,
                                   "Worked example (gold visible while playing) ↔ practice (rated blind)")
        self.gold_button = button("Import gold CSV…", self.import_gold, "recording, item, gold_score[, rationale]")
        self.promote_button = button("Promote rating to gold…", self.promote,
                                     "Make a submitted rating of this recording its gold")
        self.give_button = button("Give to raters…", self.give, "Put this recording in raters' Training section",
                                  primary=True)
        self.expert_button = button("Ask an expert rating…", lambda: self.give(expert=True),
                                    "Give the recording to a rater (e.g. the PI) whose rating becomes gold")
        self.delete_button = button("Delete", self.delete, "Delete a training session nobody has rated")
        self.content.addLayout(row(self.mark_button, self.phase_button, self.gold_button, self.promote_button, None))
        self.content.addWidget(self.table, 1)
        self.content.addLayout(row(self.status, None, self.delete_button, self.expert_button, self.give_button))

    def reload(self) -> None:
        self.rows = material.list_material(self.db, self.study_id)
        fill_table(self.table, [(v.label, PHASES[v.phase], ", ".join(v.gold_instruments) or "none yet",
                                 f"{v.submitted} of {v.assigned}", v.recording) for v in self.rows],
                   [v.session_id for v in self.rows])
        for b in (self.phase_button, self.promote_button, self.give_button, self.expert_button, self.delete_button):
            b.setEnabled(bool(self.rows))
        self.status.setText(f"{len(self.rows)} training recording(s)." if self.rows else
                            "No training material yet: mark a session (with its recording) as training.")

    def _selected(self) -> MaterialView | None:
        key = selected_key(self.table)
        return next((v for v in self.rows if v.session_id == key), None)

    def _done(self, text: str) -> None:
        self.changed()
        self.status.setText(text)

    def mark(self) -> None:
        options = material.candidate_sessions(self.db, self.study_id)
        labels = [f"{label}" + (f" — {n} study assignment(s)" if n else "") for _sid, label, n in options]
        chosen = asks.choice(self, "Training material", "Session whose recording is used for training:", labels)
        if chosen is None:
            return
        phase = asks.choice(self, "Training material", "Phase:", list(PHASES.values()))
        if phase is None:
            return
        sid, label, _n = options[chosen]
        if attempt(self, "Not marked", material.mark_training, self.db, sid, list(PHASES)[phase]) is not FAILED:
            self._done(f"{label} is training material.")

    def switch_phase(self) -> None:
        v = self._selected()
        if v is None:
            return
        new = "practice" if v.phase == "worked_example" else "worked_example"
        if attempt(self, "Phase not changed", material.set_phase, self.db, v.session_id, new) is not FAILED:
            self._done(f"{v.label}: {PHASES[new]}.")

    def import_gold(self) -> None:
        path = training_asks.open_csv(self, "Gold ratings (CSV)")
        if path is None:
            return
        # A refused file lists every bad row; nothing of it was stored.
        result = attempt(self, "Gold not imported", gold_csv.import_gold_csv, self.db, self.study_id, path)
        if result is not FAILED:
            self._done(f"Gold imported: {result.items} item score(s) for {result.recordings} recording(s).")

    def promote(self) -> None:
        v = self._selected()
        if v is None:
            return
        ratings = [r for r in gold.training_ratings(self.db, self.study_id)
                   if r[2] == f"{v.patient_code}:{v.session_number}" and r[4] == "submitted"]
        if not ratings:
            dialogs.warn(self, "No rating to promote", f"Nobody has submitted a rating of {v.label} yet.")
            return
        chosen = asks.choice(self, "Promote to gold", "Submitted rating that becomes the gold:",
                             [f"{rater} — {key}" for _rid, rater, _label, key, _st in ratings])
        if chosen is None:
            return
        if attempt(self, "Not promoted", gold.promote_rating, self.db, ratings[chosen][0]) is not FAILED:
            self._done(f"{ratings[chosen][1]}'s rating is now the gold of {v.label} ({ratings[chosen][3]}).")

    def give(self, expert: bool = False) -> None:
        v = self._selected()
        if v is None:
            return
        instruments = material.study_instruments(self.db, self.study_id)
        which = asks.choice(self, "Give to raters", "Instrument:", [name for _i, _k, name in instruments])
        if which is None:
            return
        raters = material.study_raters(self.db, self.study_id)
        picked = training_asks.several(self, "Give to raters", f"Raters who get {v.label}:",
                                       [f"{code} {name}" for _r, code, name in raters])
        if not picked:
            return
        made = attempt(self, "Not given", practice.assign_practice, self.db, v.session_id, instruments[which][0],
                       [raters[i][0] for i in picked], expert=expert)
        if made is not FAILED:
            self._done(f"{v.label} given to {len(made)} rater(s)" + (" as an expert rating." if expert else "."))

    def delete(self) -> None:
        v = self._selected()
        if v is None or not dialogs.confirm(self, "Delete training session", f"Delete {v.label} and its gold?"):
            return
        if attempt(self, "Not deleted", material.delete_training_session, self.db, v.session_id) is not FAILED:
            self._done(f"{v.label} deleted.")
