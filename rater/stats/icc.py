"""Intraclass correlations in the six forms of McGraw & Wong (1996).

=========  =====================  ==============================  ===========
form       Shrout & Fleiss 1979   model                           F test
=========  =====================  ==============================  ===========
ICC(1,1)   ICC(1,1)               one-way random, single rater    MSR / MSW
ICC(1,k)   ICC(1,k)               one-way random, mean of k       MSR / MSW
ICC(A,1)   ICC(2,1)               two-way, absolute agreement     MSR / MSE
ICC(A,k)   ICC(2,k)               two-way, absolute agreement     MSR / MSE
ICC(C,1)   ICC(3,1)               two-way, consistency            MSR / MSE
ICC(C,k)   ICC(3,k)               two-way, consistency            MSR / MSE
=========  =====================  ==============================  ===========

MSR: between sessions (rows), MSW: within sessions, MSE: residual of the
two-way model. Input is a complete n sessions × k raters matrix.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import fdtrc, fdtri

logger = logging.getLogger(__name__)

ICC_FORMS = ("ICC(1,1)", "ICC(1,k)", "ICC(A,1)", "ICC(A,k)", "ICC(C,1)", "ICC(C,k)")

ICC_CI_METHOD = (
    "95% confidence intervals from the F distribution: exact F-based limits for ICC(1,·) "
    "and ICC(C,·) (Shrout & Fleiss 1979; McGraw & Wong 1996); for the absolute-agreement "
    "forms ICC(A,·) the McGraw & Wong (1996) approximation with Satterthwaite-type "
    "degrees of freedom, the convention of R psych::ICC and pingouin.intraclass_corr"
)


@dataclass(frozen=True)
class IccResult:
    """One ICC form. Undefined numbers are None and ``reason`` says why."""

    value: float | None
    F: float | None
    df1: int | None
    df2: int | None
    p: float | None
    ci95: tuple[float | None, float | None]
    reason: str | None = None


def icc(matrix: np.ndarray, confidence: float = 0.95) -> dict[str, IccResult]:
    """All six ICC forms of a complete ``n × k`` matrix, keyed as :data:`ICC_FORMS`.

    Never raises on degenerate data: with fewer than two sessions or raters,
    or without variance, the affected numbers are None with a ``reason``.
    Raises ``ValueError`` only if ``matrix`` contains NaN.
    """
    y = np.asarray(matrix, dtype=np.float64)
    if y.ndim != 2:
        raise ValueError("icc() needs a 2-D sessions × raters matrix")
    if np.isnan(y).any():
        raise ValueError("icc() needs a complete matrix (no NaN)")
    n, k = y.shape
    if n < 2 or k < 2:
        reason = f"needs at least 2 sessions and 2 raters (have {n} × {k})"
        return {form: IccResult(None, None, None, None, None, (None, None), reason)
                for form in ICC_FORMS}

    row_mean = y.mean(axis=1)
    col_mean = y.mean(axis=0)
    grand = row_mean.mean()
    df_r, df_c, df_w, df_e = n - 1, k - 1, n * (k - 1), (n - 1) * (k - 1)
    msr = k * np.sum((row_mean - grand) ** 2) / df_r
    msc = n * np.sum((col_mean - grand) ** 2) / df_c
    msw = np.sum((y - row_mean[:, None]) ** 2) / df_w
    mse = np.sum((y - row_mean[:, None] - col_mean[None, :] + grand) ** 2) / df_e

    tail = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        results = _one_way(msr, msw, n, k, df_r, df_w, tail)
        results.update(_consistency(msr, mse, k, df_r, df_e, tail))
        results.update(_agreement(msr, msc, mse, n, k, df_r, df_e, tail))
    return {form: results[form] for form in ICC_FORMS}


def _one_way(msr: float, msw: float, n: int, k: int, df1: int, df2: int,
             tail: float) -> dict[str, IccResult]:
    return _ratio_forms(msr, msw, k, df1, df2, tail, ("ICC(1,1)", "ICC(1,k)"))


def _consistency(msr: float, mse: float, k: int, df1: int, df2: int,
                 tail: float) -> dict[str, IccResult]:
    return _ratio_forms(msr, mse, k, df1, df2, tail, ("ICC(C,1)", "ICC(C,k)"))


def _ratio_forms(msr: float, ms_error: float, k: int, df1: int, df2: int, tail: float,
                 labels: tuple[str, str]) -> dict[str, IccResult]:
    """One-way and consistency forms share their algebra; only the error term differs."""
    f_obs = msr / ms_error if ms_error > 0 else _ratio_without_error(msr)
    f_lo = f_obs / _f_upper(tail, df1, df2)
    f_hi = f_obs * _f_upper(tail, df2, df1)
    p = _p_value(f_obs, df1, df2)
    single = (msr - ms_error) / (msr + (k - 1) * ms_error)
    average = (msr - ms_error) / msr
    ci_single = ((f_lo - 1) / (f_lo + k - 1), (f_hi - 1) / (f_hi + k - 1))
    ci_average = (1 - 1 / f_lo, 1 - 1 / f_hi)
    return {
        labels[0]: _result(single, f_obs, df1, df2, p, ci_single),
        labels[1]: _result(average, f_obs, df1, df2, p, ci_average),
    }


def _agreement(msr: float, msc: float, mse: float, n: int, k: int, df1: int, df2: int,
               tail: float) -> dict[str, IccResult]:
    f_obs = msr / mse if mse > 0 else _ratio_without_error(msr)
    p = _p_value(f_obs, df1, df2)
    single = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    average = (msr - mse) / (msr + (msc - mse) / n)
    # McGraw & Wong (1996) eq. for case 2A: approximate the denominator's df.
    fj = msc / mse
    a = k * single * fj + n * (1 + (k - 1) * single) - k * single
    v = df2 * a**2 / (df1 * k**2 * single**2 * fj**2 + (n * (1 + (k - 1) * single) - k * single) ** 2)
    f_up = _f_upper(tail, df1, v)
    f_down = _f_upper(tail, v, df1)
    denom = k * msc + (k * n - k - n) * mse
    lo = n * (msr - f_up * mse) / (f_up * denom + n * msr)
    hi = n * (f_down * msr - mse) / (denom + n * f_down * msr)
    ci_average = (lo * k / (1 + lo * (k - 1)), hi * k / (1 + hi * (k - 1)))
    return {
        "ICC(A,1)": _result(single, f_obs, df1, df2, p, (lo, hi)),
        "ICC(A,k)": _result(average, f_obs, df1, df2, p, ci_average),
    }


def _ratio_without_error(msr: float) -> float:
    # Raters agree perfectly: F is infinite if sessions differ, 0/0 if nothing varies.
    return math.inf if msr > 0 else math.nan


def _p_value(f_obs: float, df1: int, df2: int) -> float:
    return float(fdtrc(df1, df2, f_obs))


def _f_upper(tail: float, df1: float, df2: float) -> float:
    """Upper ``tail`` quantile of F(df1, df2); scipy.special avoids the
    per-call overhead of scipy.stats.f, which dominated large analyses."""
    return float(fdtri(df1, df2, 1.0 - tail))


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _result(value: float, f_obs: float, df1: int, df2: int, p: float,
            ci: tuple[float, float]) -> IccResult:
    lo, hi = _finite(ci[0]), _finite(ci[1])
    reasons = []
    if _finite(value) is None:
        reasons.append("the ICC is undefined: its denominator is zero (sessions do not differ)")
    if math.isinf(f_obs):
        reasons.append("no error variance (raters agree perfectly): F is infinite")
    elif math.isnan(f_obs):
        reasons.append("F is 0/0: neither sessions nor the error term vary")
    if (lo is None or hi is None) and not reasons:
        reasons.append("the confidence limits are undefined for these mean squares")
    return IccResult(_finite(value), _finite(f_obs), df1, df2, _finite(p), (lo, hi),
                     "; ".join(reasons) or None)
