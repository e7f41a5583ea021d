"""The Reliability screen: the figures of rater.stats, undefined values explained, one box/bar/line per rater.

The study is the reference design (rater/resources/studies/homework_ct.toml) cut to
two patients, with assignments from the generator and every Team 1 (HSTBS)
rating entered and submitted through the rater Workstation. Team 2 has rated
nothing, so its HES scales have no reliability and must say why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QBoxPlotSeries, QLineSeries, QStackedBarSeries
from PySide6.QtCore import Qt
from sqlalchemy import select

from rater.paths import RESOURCES
from rater.stats import analyse
from rater.storage import models as m
from rater.storage import open_database
from rater.study.assign import generate_assignments
from rater.study.rating.workstation import Workstation
from rater.study.reports.reliability_data import reliability_rows
from rater.study.reports.reliability_figures import NEEDS
from rater.study.setup.studyfile import create_study, load_study_file
from rater.ui.coordinator.reliability.screen import ReliabilityScreen
from rater.ui.coordinator.reliability.tables import DASH, VALUE_ROLE, columns

SEVERE = "T1-02"  # rates one point above the item's level everywhere: flagged for bias if assigned


def score(patient: int, number: int, rater: str, index: int) -> int:
    level = (patient * 2 + number + index) % 4
    noise = 1 if (patient + number + index + int(rater[-2:])) % 5 == 0 else 0
    return min(4, level + noise + (1 if rater == SEVERE else 0))


def build_rated_study(path: Path) -> str:
    db = open_database(path)
    spec = load_study_file(RESOURCES / "studies" / "homework_ct.toml")
    spec.patients = spec.patients[:2]
    study_id = create_study(db, spec)
    generate_assignments(db, study_id, seed=11)
    with db.reading() as s:
        rows = s.execute(
            select(m.Assignment.id, m.Rater.id, m.Rater.code, m.Patient.code, m.Session.number)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .where(m.InstrumentRecord.key == "hstbs")).all()
    ws = Workstation(db)
    for assignment_id, rater_id, code, patient, number in rows:
        view = ws.open(assignment_id, rater_id)
        for index, item in enumerate(view.instrument.items):
            if view.instrument.item_applies(item.id, number):
                ws.set_response(assignment_id, rater_id, item.id, score(int(patient[1:]), number, code, index))
        ws.submit(assignment_id, rater_id)
    db.close()
    return study_id


@pytest.fixture(scope="module")
def rated_study(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rated") / "study.sqlite"
    build_rated_study(path)
    return path


@pytest.fixture
def db(rated_study, tmp_path):
    """Overrides the demo database: a private copy of the rated study (the coordinator page opens on it)."""
    path = tmp_path / "ratings.sqlite"
    shutil.copyfile(rated_study, path)
    database = open_database(path)
    yield database
    database.close()


def computed(qtbot, coordinator) -> ReliabilityScreen:
    screen = coordinator.show_screen(ReliabilityScreen)
    assert screen.computing and screen.busy.isVisibleTo(screen)
    qtbot.waitUntil(lambda: not screen.computing, timeout=20_000)
    assert not screen.busy.isVisibleTo(screen)
    return screen


def row_of(table, name: str) -> int:
    return next(r for r in range(table.rowCount()) if table.item(r, 0).text() == name)


def test_the_table_shows_the_statistics_of_rater_stats(qtbot, coordinator, db):
    screen = computed(qtbot, coordinator)
    study_id = coordinator.ctx.study_id
    report = analyse(*reliability_rows(db, study_id))

    header = columns("scale")
    assert screen.pages.currentWidget() is screen.tabs
    assert [screen.scale_table.item(r, 0).text() for r in range(screen.scale_table.rowCount())] == list(report.scales)
    for name in ("Assignment", "Overcoming Obstacles", "Review"):
        expected = report.scales[name]
        r = row_of(screen.scale_table, name)
        assert screen.scale_table.item(r, header.index("Sessions")).text() == str(expected.n_sessions)
        assert screen.scale_table.item(r, header.index("k")).text() == "3"
        for form in ("ICC(1,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"):
            cell = screen.scale_table.item(r, header.index(form))
            assert cell.data(VALUE_ROLE) == pytest.approx(expected.icc[form].value, abs=1e-12)
            assert cell.text().startswith(f"{expected.icc[form].value:.2f} [")
        alpha = screen.scale_table.item(r, header.index("Cronbach's α"))
        assert alpha.data(VALUE_ROLE) == pytest.approx(expected.cronbach.value, abs=1e-12)
        assert screen.scale_table.item(r, header.index("Rule")).text() == expected.rule
    assert report.scales["Assignment"].icc["ICC(1,k)"].value is not None

    # Review does not apply to session 1: it has fewer sessions than Assignment.
    assert report.scales["Review"].n_sessions < report.scales["Assignment"].n_sessions
    assert row_of(screen.item_table, "asg1") >= 0

    screen.scale_table.selectRow(row_of(screen.scale_table, "Assignment"))
    assert screen.scale_combo.currentText() == "Assignment"
    details = screen.details.toPlainText()
    assert "Assignment" in details and "(headline)" in details and report.scales["Assignment"].rule in details


def test_undefined_values_show_a_dash_and_say_why(qtbot, coordinator):
    screen = computed(qtbot, coordinator)
    header = columns("scale")
    r = row_of(screen.scale_table, "HES-General")  # Team 2 has not rated yet
    cell = screen.scale_table.item(r, header.index("ICC(1,k)"))
    assert cell.text() == DASH and cell.data(VALUE_ROLE) is None
    assert cell.toolTip().startswith("Undefined: ") and len(cell.toolTip()) > len("Undefined: ")
    assert screen.scale_table.item(r, header.index("Sessions")).text() == "0"
    for r in range(screen.scale_table.rowCount()):
        for c in range(screen.scale_table.columnCount()):
            assert "nan" not in screen.scale_table.item(r, c).text().lower()

    screen.scale_combo.setCurrentText("HES-General")
    assert screen.charts["distribution"].series() == []
    assert "no scored ratings yet" in screen.charts["distribution"].title()


def test_plots_have_one_box_bar_and_line_per_rater(qtbot, coordinator, db):
    screen = computed(qtbot, coordinator)
    report = analyse(*reliability_rows(db, coordinator.ctx.study_id))
    screen.scale_combo.setCurrentText("Assignment")
    with db.reading() as s:
        raters = sorted(s.scalars(
            select(m.Rater.code).join(m.Assignment, m.Assignment.rater_id == m.Rater.id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .where(m.InstrumentRecord.key == "hstbs", m.Assignment.status == "submitted").distinct()))

    boxes = [x for x in screen.charts["distribution"].series() if isinstance(x, QBoxPlotSeries)]
    assert len(boxes) == 1
    assert [b.label() for b in boxes[0].boxSets()] == raters

    bias = screen.charts["bias"]
    bars = next(x for x in bias.series() if isinstance(x, QStackedBarSeries))
    axis = next(a for a in bias.axes() if isinstance(a, QBarCategoryAxis))
    assert axis.categories() == raters
    plain, flagged = bars.barSets()
    expected = {str(b.rater_id): b for b in report.raters if b.scale == "Assignment"}
    for i, rater in enumerate(raters):
        shown = flagged.at(i) if expected[rater].flagged else plain.at(i)
        assert shown == pytest.approx(expected[rater].bias)
    thresholds = [x for x in bias.series() if isinstance(x, QLineSeries)]
    assert sorted(line.at(0).y() for line in thresholds) == [-0.5, 0.5]
    if SEVERE in raters:
        assert expected[SEVERE].flagged and flagged.at(raters.index(SEVERE)) > 0.5

    lines = [x for x in screen.charts["drift"].series() if x.name().split(" ")[0] in raters]
    assert sorted(x.name().split(" ")[0] for x in lines) == raters
    assert all(x.count() >= 1 for x in lines)

    screen.scale_combo.setCurrentText("Review")
    assert "Review" in screen.charts["distribution"].title()


def test_empty_state_without_two_raters_per_session(qtbot, empty_window, tmp_path):
    from rater.study.setup import coordination
    from rater.study.setup.demo import create_demo_study
    from tests.ui.coordinator.coordinator_helpers import PASSWORD, open_coordinator

    db = empty_window.ws.db
    create_demo_study(db)  # one rater per session: reliability can never be computed
    coordination.set_coordinator_password(db, PASSWORD)
    page = open_coordinator(qtbot, empty_window)
    page.reload_studies()
    screen = computed(qtbot, page)
    assert screen.pages.currentWidget() is screen.no_ratings
    assert screen.no_ratings.text().startswith(NEEDS)
    assert "DEMO has no submitted ratings yet" in screen.no_ratings.text()
    assert not screen.scale_combo.isEnabled()

    ws = empty_window.ws
    sam = next(r for r in ws.raters() if r.name == "Sam Chen")
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    for item in ("time", "frequency", "effort"):
        ws.set_response(entry.assignment_id, sam.id, item, 2)
    ws.submit(entry.assignment_id, sam.id)
    screen.recompute_button.click()
    qtbot.waitUntil(lambda: not screen.computing, timeout=20_000)
    assert screen.pages.currentWidget() is screen.no_ratings
    assert "1 submitted rating(s) so far, but no session has been rated by two raters yet" in screen.no_ratings.text()


def test_each_scale_leads_with_its_headline(qtbot, coordinator, db):
    from rater.ui.coordinator.reliability.tables import headline_text

    screen = computed(qtbot, coordinator)
    report = analyse(*reliability_rows(db, coordinator.ctx.study_id))
    assert columns("scale")[1] == "Headline"
    for name, result in report.scales.items():
        cell = screen.scale_table.item(row_of(screen.scale_table, name), 1)
        assert cell.toolTip() == result.headline.why and cell.font().bold()
        if result.headline.value is None:
            assert cell.data(VALUE_ROLE) is None and DASH in cell.text()
        else:
            assert cell.data(VALUE_ROLE) == pytest.approx(result.headline.value, abs=1e-12)
            assert cell.text().startswith(f"{result.headline.form} {result.headline.value:.2f} [")
    screen.scale_table.selectRow(row_of(screen.scale_table, "Review"))
    text = screen.details.toPlainText()
    review = report.scales["Review"]
    assert text.index(headline_text(review)) < text.index(review.headline.why) < text.index("ICC(1,1)")
    counts = review.counts
    assert f"{counts['ratings_not_applicable']} not applicable" in text and "Item scores: 0 N/A, 0 missing" in text
    # session 1 is not rated on Review: the details say so by session id
    assert "not applicable" in text and "#1" in text


def test_plots_are_fit_for_a_slide(qtbot, coordinator, db, tmp_path):
    from PySide6.QtCharts import QScatterSeries, QValueAxis
    from PySide6.QtGui import QImage

    from rater.ui.coordinator.reliability.plots_charts import jittered

    screen = computed(qtbot, coordinator)
    # The chooser starts on a scale with scored ratings, never on an empty plot.
    assert screen.figures.scales[screen.scale_combo.currentText()].has_scores
    screen.scale_combo.setCurrentText("Assignment")
    chart = screen.charts["distribution"]
    y = next(a for a in chart.axes(Qt.Orientation.Vertical) if isinstance(a, QValueAxis))
    assert -0.5 < y.min() <= 0 and 4 <= y.max() < 4.5  # HSTBS items run 0–4: the axis too
    dots = next(x for x in chart.series() if isinstance(x, QScatterSeries))
    fig = screen.figures.scales["Assignment"]
    assert dots.count() == sum(len(v) for v in fig.points.values()) == sum(b.n for b in fig.boxes.values())
    points = [(dots.at(i).x(), dots.at(i).y()) for i in range(dots.count())]
    assert len(set(points)) == len(points)  # equal scores of one rater sit side by side, not on top
    assert jittered([2.0, 2.0, 3.0], 1.0) == [(0.96, 2.0), (1.04, 2.0), (1.0, 3.0)]
    screen.tabs.setCurrentWidget(screen.views["distribution"])
    screen.views["distribution"].resize(800, 500)
    screen.save_plot(str(tmp_path / "assignment.png"))
    screen.save_plot(str(tmp_path / "assignment.svg"))
    image = QImage(str(tmp_path / "assignment.png"))
    assert image.width() == 1600 and not image.isNull()
    svg = (tmp_path / "assignment.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "Assignment" in svg
