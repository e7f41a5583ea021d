"""The Reliability screen's tables: one row per scale or item, and the details of the selected one.

Each row and the details lead with the scale's headline ICC (the one to
report, with why), then what entered it; the other forms are detail. An
undefined statistic is shown as "—" and its reason is the cell's tooltip
(and is listed in the details), never a blank or "nan". Every number's exact
value is kept in the cell under :data:`VALUE_ROLE` for copying and tests.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from rater.stats import ICC_FORMS, IccResult, ScaleReliability
from rater.stats.headline import headline_note
from rater.stats.methods import NOTATION
from rater.ui.coordinator.widgets import make_table

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
DASH = "—"
# Tooltip of each ICC form: its model (rater.stats.methods) and, where a design reports it, that it heads.
FORM_HELP = {form: "; ".join(filter(None, (f"{words[0].upper()}{words[1:]} (S&F {sf})", headline_note(form))))
             for form, (sf, words) in NOTATION.items()}
LEAD = ["Headline", "Instrument", "n (RE)", "Sessions", "k", "Design"]
ALPHAS = ["Cronbach's α", "Median α by session"]
LEVELS = ("nominal", "ordinal", "interval", "ratio")
KRIPPENDORFF = [f"Krippendorff's α ({level})" for level in LEVELS]
MAX_LISTED = 12  # left-out sessions named in the details; the Exclusions sheet has them all


def columns(kind: str) -> list[str]:
    """Header labels of the scale (``kind="scale"``) or item table."""
    return ["Scale" if kind == "scale" else "Item", *LEAD, *ICC_FORMS,
            *(ALPHAS if kind == "scale" else []), *KRIPPENDORFF, "Rule"]


def make_reliability_table(kind: str) -> QTableWidget:
    """An empty read-only table with explanatory header tooltips."""
    labels = columns(kind)
    table = make_table(labels, stretch=len(labels) - 1)
    for c, label in enumerate(labels):
        tip = FORM_HELP.get(label) or {
            "Headline": "The ICC to report for this scale, with its 95% CI; hover for why this form",
            "n (RE)": "Sessions / scored ratings / raters in the random-effects fit (every scored rating)",
            "Sessions": "Sessions in the ANOVA ICC forms (those with k scored ratings)",
            "k": "Raters per session in the ICC",
            "Design": "one-way: raters rotate across sessions; two-way: the same raters rated every session",
            "Cronbach's α": "Over ratings (one rater's rating of one session), items as columns, listwise",
            "Median α by session": "Median over session numbers of alpha on the raters' mean item scores",
            "Rule": "How ratings were scored and which sessions entered the ICC",
        }.get(label, "")
        table.horizontalHeaderItem(c).setToolTip(tip)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # The rule is a long sentence: a fixed, stretchable last column (full text in its tooltip).
    header.setSectionResizeMode(len(labels) - 1, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(len(labels) - 1, 360)
    header.setStretchLastSection(True)
    return table


def _number(value: float | None, reason: str | None, tip: str = "", digits: int = 2,
            text: str | None = None) -> QTableWidgetItem:
    if value is None:
        item = QTableWidgetItem(DASH)
        item.setToolTip(f"Undefined: {reason}" if reason else "Undefined")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        return item
    item = QTableWidgetItem(text if text is not None else f"{value:.{digits}f}")
    item.setData(VALUE_ROLE, float(value))
    item.setToolTip(tip)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def icc_text(r: IccResult) -> str:
    """"0.81 [0.62, 0.92]": the value and its 95% CI (undefined limits as —)."""
    lo, hi = (f"{x:.2f}" if x is not None else DASH for x in r.ci95)
    return f"{r.value:.2f} [{lo}, {hi}]"


def _icc_tip(form: str, r: IccResult) -> str:
    parts = [f"{form} = {r.value:.4f}"]
    if r.ci95[0] is not None and r.ci95[1] is not None:
        parts.append(f"95% CI {r.ci95[0]:.4f} to {r.ci95[1]:.4f}")
    if r.F is not None:
        p = f", p = {r.p:.3g}" if r.p is not None else ""
        parts.append(f"F({r.df1}, {r.df2}) = {r.F:.3f}{p}")
    if r.reason:
        parts.append(r.reason)
    return "\n".join(parts + [FORM_HELP[form]])


def _text(value: object, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    item.setToolTip(tip)
    if isinstance(value, int):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def headline_text(result: ScaleReliability) -> str:
    """"RE ICC(A,k) 0.81 [0.62, 0.92]", or the form and a dash when undefined."""
    head = result.headline
    if head.value is None:
        return f"{head.form or 'ICC'} {DASH}"
    lo, hi = (f"{x:.2f}" if x is not None else DASH for x in head.ci95)
    return f"{head.form} {head.value:.2f} [{lo}, {hi}]"


def _bold(cell: QTableWidgetItem) -> QTableWidgetItem:
    font = QFont(cell.font())
    font.setBold(True)
    cell.setFont(font)
    return cell


def row_items(result: ScaleReliability, instrument: str, kind: str) -> list[QTableWidgetItem]:
    """The cells of one row, in :func:`columns` order."""
    name = _text(result.name, result.rule)
    head = result.headline
    headline = _bold(_text(headline_text(result), head.why))
    if head.value is not None:
        headline.setData(VALUE_ROLE, float(head.value))
    re = result.random_effects
    n_re = _text(f"{re.n_sessions} / {re.n_ratings} / {re.n_raters}",
                 f"{re.n_sessions} sessions, {re.n_ratings} scored ratings, {re.n_raters} raters; "
                 f"{len(result.exclusions_random_effects)} session(s) left out")
    cells = [name, headline, _text(instrument), n_re,
             _text(result.n_sessions, f"{result.n_sessions_dropped} dropped, "
                                      f"{result.n_sessions_truncated} truncated"),
             _text(result.k_raters), _text(result.design, "; ".join(result.caveats))]
    for form in ICC_FORMS:
        r = result.icc[form]
        cell = _number(r.value, r.reason, "" if r.value is None else _icc_tip(form, r),
                       text=icc_text(r) if r.value is not None else None)
        if form == head.form:
            _bold(cell)
        cells.append(cell)
    if kind == "scale":
        a, by_session = result.cronbach, result.cronbach_by_session
        cells.append(_number(a.value, a.reason, f"{a.n_rows} ratings × {a.n_items} items, listwise"))
        per_number = "; ".join(f"session {n}: " + (f"{r.value:.2f}" if r.value is not None else f"— ({r.reason})")
                               for n, r in sorted(by_session.by_session_number.items()))
        cells.append(_number(by_session.median, by_session.reason, per_number))
    for level in LEVELS:
        k = result.krippendorff[level]
        cells.append(_number(k.value, k.reason, f"{k.n_units} sessions, {k.n_values} scores"))
    cells.append(_text(result.rule, result.rule))
    return cells


def fill(table: QTableWidget, results: Sequence[ScaleReliability], sources: Mapping[str, tuple[str, str]],
         kind: str) -> None:
    """Replace the table's rows; the current row is kept by name."""
    current = table.item(table.currentRow(), 0).text() if table.currentRow() >= 0 and table.item(
        table.currentRow(), 0) else None
    table.setRowCount(len(results))
    for r, result in enumerate(results):
        for c, cell in enumerate(row_items(result, sources.get(result.name, ("", ""))[0], kind)):
            table.setItem(r, c, cell)
    names = [res.name for res in results]
    if results:
        table.selectRow(names.index(current) if current in names else 0)


def _counts_html(result: ScaleReliability) -> str:
    c = result.counts
    return (f"Ratings: {c.get('ratings', 0)} ({c.get('ratings_scored', 0)} scored, "
            f"{c.get('ratings_missing_items', 0)} with too few items scored, {c.get('ratings_all_na', 0)} all N/A, "
            f"{c.get('ratings_not_applicable', 0)} not applicable). Item scores: {c.get('item_scores_na', 0)} N/A, "
            f"{c.get('item_scores_missing', 0)} missing.")


def _exclusions_html(result: ScaleReliability) -> str:
    """The sessions the random-effects fit and the ANOVA forms left out, by reason."""
    e = html.escape
    parts = []
    for figure, listed in (("random effects", result.exclusions_random_effects),
                           ("ANOVA forms", result.exclusions)):
        if not listed:
            parts.append(f"{figure}: none left out")
            continue
        by_reason: dict[str, list[str]] = {}
        for ex in listed:
            by_reason.setdefault(ex.reason, []).append(ex.session)
        text = "; ".join(f"{reason} {len(ids)} ({', '.join(ids[:MAX_LISTED])}"
                         f"{', …' if len(ids) > MAX_LISTED else ''})" for reason, ids in by_reason.items())
        parts.append(f"{figure}: {len(listed)} session(s) left out — {text}")
    return "<br>".join(e(p) for p in parts)


def _random_effects_html(result: ScaleReliability) -> str:
    re = result.random_effects
    if re.icc_average is None:
        return f"Random effects: {DASH} {html.escape(re.reason or '')}"

    def ci(pair: tuple[float | None, float | None]) -> str:
        return ", ".join(f"{x:.3f}" if x is not None else DASH for x in pair)

    var = ", ".join(f"{name} {x:.4f}" if x is not None else f"{name} {DASH}"
                    for name, x in (("session", re.var_session), ("rater", re.var_rater),
                                    ("residual", re.var_residual)))
    single = f"{re.icc_single:.3f} [{ci(re.ci95_single)}]" if re.icc_single is not None else DASH
    return (f"Random effects ({html.escape(re.method)}): variances {var}; ICC one rater {single}, "
            f"mean of k = {re.k:.2f} raters {re.icc_average:.3f} [{ci(re.ci95_average)}]")


def details_html(result: ScaleReliability, instrument: str, ci_method: str) -> str:
    """Everything about one scale: the headline and why, what entered it, the random-effects fit,
    the six ICCs with their F tests, alphas, caveats and notes."""
    e = html.escape
    head = result.headline
    rows = []
    for form in ICC_FORMS:
        r = result.icc[form]
        if r.value is None:
            rows.append(f"<tr><td>{form}</td><td colspan=4>{DASH} {e(r.reason or '')}</td></tr>")
            continue
        ci = ", ".join(f"{x:.3f}" if x is not None else DASH for x in r.ci95)
        F = f"F({r.df1}, {r.df2}) = {r.F:.2f}" if r.F is not None else DASH
        p = f"{r.p:.3g}" if r.p is not None else DASH
        mark = " <b>(headline)</b>" if form == head.form else ""
        rows.append(f"<tr><td>{form}{mark}</td><td align=right>{r.value:.3f}</td><td>[{ci}]</td>"
                    f"<td>{F}</td><td>p = {p}</td></tr>")
    a, s = result.cronbach, result.cronbach_by_session
    alpha = f"{a.value:.3f} ({a.n_rows} ratings × {a.n_items} items)" if a.value is not None else f"{DASH} {a.reason}"
    per_number = ", ".join(f"session {n}: " + (f"{x.value:.3f}" if x.value is not None else f"{DASH} ({x.reason})")
                           for n, x in sorted(s.by_session_number.items()))
    median = f"{s.median:.3f}" if s.median is not None else f"{DASH} {s.reason or ''}"
    kripp = "; ".join(f"{level} {k.value:.3f}" if k.value is not None else f"{level} {DASH} ({k.reason})"
                      for level, k in ((lv, result.krippendorff[lv]) for lv in LEVELS))
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    caveats = "".join(f"<li>{e(c)}</li>" for c in (*result.warnings, *result.caveats))
    re_mark = " <b>(headline)</b>" if head.form and head.form.startswith("RE") else ""
    return (f"<h3>{e(result.name)} <span style='font-weight:normal'>({e(instrument)}, {result.n_items} item(s), "
            f"{e(result.method)})</span></h3>"
            f"<p style='font-size:12pt'><b>{e(headline_text(result))}</b></p><p>{e(head.why)}</p>"
            f"<p>{e(_counts_html(result))}<br>{_exclusions_html(result)}</p>"
            + (f"<ul>{caveats}</ul>" if caveats else "")
            + f"<p>{_random_effects_html(result)}{re_mark}</p>"
            f"<p>ANOVA forms: {result.n_sessions} session(s), k = {result.k_raters}, {result.design} design.</p>"
            f"<p><i>{e(result.rule)}</i></p>"
            f"<table cellspacing=0 cellpadding=3>{''.join(rows)}</table>"
            f"<p>Cronbach's α over ratings: {e(alpha)}<br>α by session number: {e(per_number) or DASH}; "
            f"median {e(median)}<br>Krippendorff's α: {e(kripp)}</p>"
            + (f"<p>Why some values are undefined:</p><ul>{notes}</ul>" if notes else "")
            + f"<p style='color:#6b7280'>{e(ci_method)}.</p>")
