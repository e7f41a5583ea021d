"""Reliability: the study's ICCs, alphas and rater bias/drift, computed in a worker, with plots per scale."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QWidget,
)

from rater.sort_keys import natural_key
from rater.stats import StatsInputError
from rater.storage.database import DatabaseError
from rater.study.reports.reliability_figures import NEEDS, StudyFigures, compute_figures
from rater.ui import dialogs
from rater.ui.common.tasks import Task
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.reliability import plots_charts
from rater.ui.coordinator.reliability import tables as reliability_tables
from rater.ui.coordinator.widgets import Screen, button, row

log = logging.getLogger(__name__)

MAX_NAMED = 8  # flagged raters named in the status line; the bias plot shows them all
PLOTS = {"distribution": plots_charts.distribution_chart, "bias": plots_charts.bias_chart,
         "drift": plots_charts.drift_chart}


class ReliabilityScreen(Screen):
    """Tables per scale and item, the selected scale's details, and three plots driven by a scale selector."""

    title = "Reliability"
    subtitle = ("Inter-rater reliability of the submitted ratings, as the Excel export reports it: each scale's "
                "headline ICC first (hover it for why that form), what entered it and what was left out, then the "
                "random-effects fit, the six ANOVA forms with 95% CIs, Cronbach's and Krippendorff's alpha, and each "
                "rater's bias and drift. Hover a value for its F test, or a \"—\" for why it is undefined.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.figures: StudyFigures | None = None
        self.task: Task | None = None
        self.charts: dict[str, QChart] = {}
        self.status = QLabel(objectName="muted")
        self.status.setWordWrap(True)
        self.scale_combo = QComboBox()
        self.scale_combo.setMinimumWidth(220)
        self.scale_combo.setToolTip("The scale the plots show")
        self.scale_combo.currentIndexChanged.connect(self._draw_plots)
        self.recompute_button = button("Recompute", self.refresh, "Compute the reliability again (F5)")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the analysis reports no steps
        self.busy.setFormat("Computing reliability…")
        self.busy.setTextVisible(True)
        self.busy.setMaximumHeight(18)
        self.busy.hide()

        self.scale_table = reliability_tables.make_reliability_table("scale")
        self.scale_table.currentCellChanged.connect(lambda r, *_: self._scale_selected(r))
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.scale_table)
        split.addWidget(self.details)
        split.setSizes([260, 300])
        self.item_table = reliability_tables.make_reliability_table("item")
        self.views: dict[str, QChartView] = {}
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Scales")
        self.tabs.addTab(self.item_table, "Items")
        for key, label in (("distribution", "Score distributions"), ("bias", "Rater bias"),
                           ("drift", "Drift over time")):
            view = QChartView()
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.views[key] = view
            self.tabs.addTab(view, label)
        self.no_ratings = QLabel(NEEDS, objectName="pageSubtitle")
        self.no_ratings.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_ratings.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.tabs)
        self.pages.addWidget(self.no_ratings)

        self.save_plot_button = button("Save plot\u2026", lambda: self.save_plot(),
                                       "Save the plot on screen as PNG or SVG (for a slide or a paper)")
        top = row(QLabel("Plots show:"), self.scale_combo, self.save_plot_button, self.recompute_button)
        top.insertWidget(0, self.status, 1)
        self.content.addLayout(top)
        self.content.addWidget(self.busy)
        self.content.addWidget(self.pages, 1)
        recompute = QAction("Recompute", self, shortcut=QKeySequence("F5"))
        recompute.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        recompute.triggered.connect(self.refresh)
        self.addAction(recompute)

    @property
    def computing(self) -> bool:
        return self.task is not None and self.task.running

    def reload(self) -> None:
        """Start the analysis in a worker; a result for an older request is ignored."""
        db, study_id = self.db, self.study_id
        self.task = Task(lambda _progress, _cancelled: compute_figures(db, study_id))
        # Bound slots of this screen, so nothing is delivered to a screen that is gone.
        self.task.finished.connect(self._computed)
        self.task.failed.connect(self._failed)
        self.busy.show()
        self.recompute_button.setEnabled(False)
        self.status.setText("Computing reliability…")
        self.task.start()

    @Slot(object)
    def _computed(self, figures: StudyFigures) -> None:
        if self.sender() is not self.task:
            return
        self._done()
        self.figures = figures
        if not figures.reliable:
            self._show_empty(f"{figures.n_ratings} submitted rating(s) so far, but no session has been rated "
                             "by two raters yet.")
            return
        report = figures.report
        reliability_tables.fill(self.scale_table, list(report.scales.values()), figures.scale_sources, "scale")
        reliability_tables.fill(self.item_table, list(report.items.values()), figures.item_sources, "item")
        self._scale_selected(self.scale_table.currentRow())
        current = self.scale_combo.currentText()
        self.scale_combo.blockSignals(True)
        self.scale_combo.clear()
        self.scale_combo.addItems(list(figures.scales))
        # Keep the scale shown; else start on the first scale that has scored ratings, not an empty plot.
        first_with_data = next((i for i, f in enumerate(figures.scales.values()) if f.has_scores), 0)
        index = self.scale_combo.findText(current)
        self.scale_combo.setCurrentIndex(index if index >= 0 else first_with_data)
        self.scale_combo.blockSignals(False)
        self.scale_combo.setEnabled(True)
        self._draw_plots()
        flagged = sorted({str(b.rater_id) for b in report.raters if b.flagged}, key=natural_key)
        named = ", ".join(flagged[:MAX_NAMED]) + (f" and {len(flagged) - MAX_NAMED} more" if len(flagged) > MAX_NAMED
                                                 else "")
        self.status.setText(
            f"{figures.n_ratings} submitted rating(s) by {figures.n_raters} rater(s), {len(report.scales)} scale(s); "
            f"computed at {datetime.now():%H:%M}. "
            + (f"Flagged on some scale: {named} (see Rater bias)." if flagged else "No rater is flagged."))
        self.pages.setCurrentWidget(self.tabs)

    @Slot(object)
    def _failed(self, exc: Exception) -> None:
        if self.sender() is not self.task:
            return
        self._done()
        self.figures = None
        if isinstance(exc, StatsInputError):
            why = "; ".join(exc.problems) or "there is nothing to analyse"
            self._show_empty(why[:1].upper() + why[1:] + ".")
            return
        title = "Database problem" if isinstance(exc, DatabaseError) else "Reliability not computed"
        log.warning("reliability failed: %s", exc)
        self.status.setText(f"Reliability could not be computed: {exc}")
        dialogs.error(self, title, str(exc))

    def _done(self) -> None:
        self.busy.hide()
        self.recompute_button.setEnabled(True)

    def _show_empty(self, why: str) -> None:
        self.no_ratings.setText(f"{NEEDS}\n\n{why}")
        self.status.setText(why)
        self.scale_combo.clear()
        self.scale_combo.setEnabled(False)
        self.pages.setCurrentWidget(self.no_ratings)

    def _scale_selected(self, row_index: int) -> None:
        results = list(self.figures.report.scales.values()) if self.figures is not None else []
        if not 0 <= row_index < len(results):
            self.details.clear()
            return
        result = results[row_index]
        instrument = self.figures.scale_sources.get(result.name, ("", ""))[0]
        self.details.setHtml(reliability_tables.details_html(result, instrument, self.figures.report.ci_method))
        self.scale_combo.setCurrentText(result.name)

    def save_plot(self, path: str | None = None) -> None:
        """Save the plot of the current tab (asks where unless ``path`` is given)."""
        view = self.tabs.currentWidget()
        if view not in self.views.values() or view.chart() is None:
            self.tabs.setCurrentWidget(self.views["distribution"])
            view = self.views["distribution"]
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            name = f"{self.scale_combo.currentText() or 'plot'}.png".replace("/", "-")
            path, _ = QFileDialog.getSaveFileName(self, "Save plot", name, "PNG image (*.png);;SVG drawing (*.svg)")
            if not path:
                return
        try:
            plots_charts.save_chart(view, path)
        except OSError as exc:
            dialogs.warn(self, "Plot not saved", str(exc))

    def _draw_plots(self) -> None:
        if self.figures is None or self.scale_combo.currentText() not in self.figures.scales:
            return
        fig = self.figures.scales[self.scale_combo.currentText()]
        for key, build in PLOTS.items():
            chart = build(fig)
            view = self.views[key]
            old = view.chart()
            view.setChart(chart)
            # The view releases, but does not delete, the chart it showed before.
            if old is not None:
                old.deleteLater()
            self.charts[key] = chart
