"""A :class:`ReliabilityReport` as aligned plain text for terminals and logs."""

from __future__ import annotations

import logging
import textwrap

from rater.stats.analysis import ReliabilityReport, ScaleReliability
from rater.stats.bias import RaterBias

logger = logging.getLogger(__name__)

_WIDTH = 96
_INDENT = "  "


def format_report(report: ReliabilityReport) -> str:
    """The headline ICC of every scale first; then per scale: sessions, k,
    design, rule, the six ICCs with CI, F, df and p, the random-effects fit,
    Cronbach's and Krippendorff's alpha, caveats, warnings and notes; then a
    line per item and a table of rater bias and drift."""
    parts = [_headlines(report)] if report.scales else []
    parts += [_scale_block(result) for result in report.scales.values()]
    if report.items:
        parts.append(_items_table(list(report.items.values())))
    if report.raters:
        parts.append(_raters_table(report.raters))
    if report.halo:
        parts.append(_halo_table(report))
    parts.append(_wrap(f"ICC {report.ci_method}.", ""))
    parts.append(_wrap(f"Random-effects ICC {report.random_effects_ci_method}.", ""))
    return "\n\n".join(parts) + "\n"


def _headlines(report: ReliabilityReport) -> str:
    lines = ["Headline ICC per scale"]
    for r in report.scales.values():
        h = r.headline
        lines.append(f"{_INDENT}{r.name}: {h.form or '—'} = {_num(h.value)} {_ci(h.ci95)}")
        lines.append(_wrap(f"why: {h.why}", _INDENT * 2))
    return "\n".join(lines)


def _random_effects_lines(r: ScaleReliability) -> list[str]:
    re = r.random_effects
    if re.var_session is None:
        lines = [_wrap(f"random effects (REML): not available: {re.reason}", _INDENT)]
        if re.anova is not None:
            a = re.anova
            lines.append(_wrap(f"one-way ANOVA on all {re.n_ratings} scored ratings instead: "
                               f"ICC single {_num(a.icc_single)}, average {_num(a.icc_average)}",
                               _INDENT))
        return lines
    return [
        _wrap(f"random effects (REML, every scored rating: {re.n_ratings} ratings, "
              f"{re.n_sessions} sessions, {re.n_raters} raters): var session "
              f"{_num(re.var_session, 4)}, rater {_num(re.var_rater, 4)}, residual "
              f"{_num(re.var_residual, 4)}; ICC single {_num(re.icc_single)} {_ci(re.ci95_single)}, "
              f"average (k = {re.k:.2f}) {_num(re.icc_average)} {_ci(re.ci95_average)}", _INDENT),
    ]


def _scale_block(r: ScaleReliability) -> str:
    items = "1 item" if r.n_items == 1 else f"{r.n_items} items, {r.method}"
    lines = [
        f"Scale {r.name} ({items})",
        f"{_INDENT}n = {r.n_sessions} sessions (dropped {r.n_sessions_dropped}, "
        f"truncated {r.n_sessions_truncated}), k = {r.k_raters} raters, design {r.design}",
        _wrap(f"rule: {r.rule}", _INDENT),
        "",
        _table(["form", "ICC", "95% CI", "F", "df1", "df2", "p"],
               [[form, _num(x.value), _ci(x.ci95), _num(x.F, 2), _int(x.df1), _int(x.df2),
                 _p(x.p)] for form, x in r.icc.items()]),
        "",
        f"{_INDENT}Cronbach's alpha over ratings: {_num(r.cronbach.value)} "
        f"(n = {r.cronbach.n_rows}); median by session number: "
        f"{_num(r.cronbach_by_session.median)}",
        f"{_INDENT}Krippendorff's alpha: "
        + ", ".join(f"{level} {_num(k.value)}" for level, k in r.krippendorff.items()),
    ]
    lines[5:5] = _random_effects_lines(r)
    if r.exclusions:
        by_reason: dict[str, int] = {}
        for x in r.exclusions:
            by_reason[x.reason] = by_reason.get(x.reason, 0) + 1
        lines.append(_wrap("sessions left out of the ANOVA forms: " + ", ".join(
            f"{n} {reason}" for reason, n in by_reason.items()) + " (listed in the JSON)", _INDENT))
    lines += [_wrap(f"caveat: {caveat}", _INDENT) for caveat in r.caveats]
    lines += [_wrap(f"warning: {warning}", _INDENT) for warning in r.warnings]
    lines += [_wrap(f"note: {note}", _INDENT) for note in r.notes]
    return "\n".join(lines)


def _items_table(items: list[ScaleReliability]) -> str:
    rows = [[r.name, str(r.n_sessions), str(r.k_raters), r.design,
             _num(r.icc["ICC(1,1)"].value), _num(r.icc["ICC(A,1)"].value),
             _num(r.icc["ICC(C,1)"].value), _num(r.random_effects.icc_single),
             _num(r.krippendorff_interval.value), _num(r.krippendorff_ordinal.value)]
            for r in items]
    header = ["item", "n", "k", "design", "ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "RE single",
              "Kα int", "Kα ord"]
    return "Items\n" + _table(header, rows)


def _raters_table(raters: list[RaterBias]) -> str:
    rows = [[str(b.rater_id), b.scale, str(b.n_sessions), _num(b.bias), _num(b.bias_first_half),
             _num(b.bias_second_half), _num(b.drift_slope_per_day, 4), _p(b.drift_p),
             "; ".join(b.flags)] for b in raters]
    header = ["rater", "scale", "n", "bias", "1st half", "2nd half", "slope/day", "p", "flags"]
    return "Rater bias (score minus the other raters' mean) and drift\n" + _table(header, rows)


def _halo_table(report: ReliabilityReport) -> str:
    rows = [[str(h.rater_id), h.scale, str(h.n_sessions), _num(h.spread), _num(h.others_spread),
             _num(h.ratio, 2), "halo?" if h.flagged else (h.reason or "")] for h in report.halo]
    header = ["rater", "scale", "n", "item SD", "others' SD", "ratio", "flags"]
    return ("Halo: spread of item scores within a rating against the other raters of the same "
            "sessions\n" + _table(header, rows))


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    left = {0, len(header) - 1} if header[-1] == "flags" else {0}

    def line(cells: list[str]) -> str:
        return _INDENT + "  ".join(cell.ljust(w) if i in left else cell.rjust(w)
                                   for i, (cell, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _num(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _int(x: int | None) -> str:
    return "—" if x is None else str(x)


def _ci(ci: tuple[float | None, float | None]) -> str:
    return f"[{_num(ci[0])}, {_num(ci[1])}]"


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "<.001" if p < 0.001 else f"{p:.3f}"
