"""All-data ICC: the crossed random-effects model fitted by REML.

Model: ``score = mu + s_session + r_rater + e`` with independent normal
session, rater and residual effects (lme4: ``score ~ 1 + (1|session) +
(1|rater)``). Every scored rating enters, whatever the number of ratings per
session, so rotating raters and sessions rated 1, 2, 3 or 4 times need no
balancing.

How it is fitted (lme4's formulation, Bates et al. 2015): with relative
standard deviations ``t_s = sigma_s / sigma_e`` and ``t_r = sigma_r /
sigma_e`` the REML deviance profiled over ``sigma_e`` and ``mu`` needs the
determinant and one solve of the penalised normal equations. Their session
block is diagonal and the rater block is as small as the number of raters, so
eliminating the sessions first leaves a (raters + 1)-square system: one
deviance costs O(sessions × raters²), independent of the number of ratings.
The two ratios are found with SLSQP (bounded at zero, as lme4 allows) from
moment estimates, with the exact gradient of the profiled deviance;
convergence is judged by the gradient, not by the optimiser's message.
SLSQP is used because scipy's L-BFGS-B costs milliseconds per iteration in
its own bookkeeping, more than the deviance itself here.

Confidence intervals: Wald intervals on the logit scale of each ICC, the
standard error from the delta method with the observed information of the
REML likelihood in (sigma²_s, sigma²_r, sigma²_e) (a numerical Hessian);
a component estimated at zero is held fixed there. This takes milliseconds
where a bootstrap would refit the model hundreds of times; its coverage is
checked by simulation in the tests.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs
from scipy.optimize import minimize
from scipy.special import expit, logit

from rater.stats.encoding import blocks_by_size

logger = logging.getLogger(__name__)

METHOD = "REML crossed random effects: score ~ 1 + (1|session) + (1|rater)"
CI_METHOD = ("95% CI: Wald interval on the logit scale, standard error by the delta method from "
             "the observed REML information of the three variance components (a component "
             "estimated at zero held fixed)")

_Z95 = 1.959963984540054
_GRADIENT_TOL = 1e-6  # per-rating deviance per unit of relative SD
_BOUNDARY = 1e-5
_DEGENERATE = 1e5  # relative SD beyond which the residual variance is numerically zero  # relative SD below which a component is taken to sit at zero


@dataclass(frozen=True)
class AnovaFallback:
    """One-way ANOVA figures on all scored ratings (unbalanced, Searle's n0),
    given when the REML fit did not converge."""

    var_session: float | None
    var_within: float | None
    icc_single: float | None
    icc_average: float | None
    n0: float


@dataclass(frozen=True)
class RandomEffects:
    """Variance components and ICCs of the crossed model; None with ``reason`` when undefined.

    ``icc_single`` = var_session / (var_session + var_rater + var_residual);
    ``icc_average`` the same with (var_rater + var_residual) / k, ``k`` the
    harmonic mean of scored ratings per session.
    """

    method: str
    var_session: float | None
    var_rater: float | None
    var_residual: float | None
    icc_single: float | None
    icc_average: float | None
    k: float | None
    ci95_single: tuple[float | None, float | None]
    ci95_average: tuple[float | None, float | None]
    n_sessions: int
    n_ratings: int
    n_raters: int
    converged: bool
    reason: str | None = None
    anova: AnovaFallback | None = None


class _Design:
    """Sufficient statistics of the scored ratings: the deviance needs nothing else.

    The session block of the penalised normal equations is diagonal with entry
    ``t_s² n_i + 1``, which depends on session i only through its number of
    ratings n_i. Grouping sessions by n_i, every product with that block is a
    sum over a handful of groups of statistics computed here once, so one
    deviance costs O(groups × raters²) whatever the number of sessions.
    """

    def __init__(self, y: np.ndarray, session: np.ndarray, rater: np.ndarray) -> None:
        """``session`` and ``rater`` are codes per rating; they are compacted here."""
        session, rater = _compact(session), _compact(rater)
        self.N = y.size
        self.m = np.bincount(rater).astype(np.float64)
        ns, nr = int(session.max()) + 1, self.m.size
        # Centre first: the intercept's right-hand side becomes 0 and y'y keeps its digits.
        y = y - y.mean()
        ys = np.bincount(session, weights=y, minlength=ns)
        self.yr = np.bincount(rater, weights=y, minlength=nr)
        self.yy = float(y @ y)
        self.sizes, self.n_in, self.ys_in, self.ss_in = [], [], [], []
        pairs, raters_in, ys_raters = [], [], []
        for v, sessions, rows in blocks_by_size(session):
            members = rater[rows]                                    # sessions × v rater codes
            self.sizes.append(v)
            self.n_in.append(sessions.size)                          # sessions in the group
            self.ys_in.append(ys[sessions].sum())                    # sum of session sums
            self.ss_in.append(float(ys[sessions] @ ys[sessions]))    # sum of squared sums
            # sum over sessions of c_i c_i' = every ordered pair of ratings within a session
            pair = np.zeros(nr * nr)
            for a in range(v):
                for b in range(v):
                    pair += np.bincount(members[:, a] * nr + members[:, b], minlength=nr * nr)
            pairs.append(pair)
            raters_in.append(np.bincount(members.ravel(), minlength=nr))   # sum of c_i
            ys_raters.append(np.bincount(members.ravel(), minlength=nr,
                                         weights=np.repeat(ys[sessions], v)))  # sum of ys_i c_i
        self.sizes = np.array(self.sizes, dtype=np.float64)
        self.n_in, self.ys_in = np.array(self.n_in, float), np.array(self.ys_in)
        self.ss_in = np.array(self.ss_in)
        self.raters_in = np.array(raters_in, dtype=np.float64)
        self.ys_raters = np.array(ys_raters)
        # The rater block is I + t_r² sum_g [diag(q_g) - t_s² P_g / D_g]. Written as
        # I + t_r² (L + sum_g P_g / (v_g D_g)) with the within-session part
        # L = sum_g diag(q_g) - P_g / v_g fixed, it has no cancellation when t_s is large.
        pairs = np.array(pairs)
        self.scaled_pairs = pairs / self.sizes[:, None]
        self.within = (np.diag(self.raters_in.sum(axis=0))
                       - self.scaled_pairs.sum(axis=0).reshape(nr, nr))

    def _solve(self, ts: float, tr: float) -> tuple | None:
        """Factor and solve the reduced system; None where it is not positive definite."""
        sizes, m = self.sizes, self.m
        inv = 1.0 / (ts * ts * sizes + 1.0)                        # 1/D per group
        q = m.size
        schur = np.empty((q + 1, q + 1))
        schur[:q, :q] = (tr * tr) * (self.within + (inv @ self.scaled_pairs).reshape(q, q))
        schur[np.diag_indices(q)] += 1.0
        # tr m - t_s² tr sum_g inv_g v_g q_g = tr sum_g inv_g q_g (m = sum_g q_g), and likewise
        # N - t_s² sum_g inv_g v_g² n_g = sum_g inv_g v_g n_g: the forms without cancellation.
        schur[:q, q] = schur[q, :q] = tr * (inv @ self.raters_in)
        schur[q, q] = float(np.sum(inv * sizes * self.n_in))
        # E' D^-1 b_s with b_s = t_s * (centred session sums)
        eb = np.append((ts * ts * tr) * (inv @ self.ys_raters),
                       ts * ts * float(np.sum(inv * sizes * self.ys_in)))
        rhs = np.append(tr * self.yr, 0.0) - eb
        # LAPACK directly: numpy.linalg's per-call overhead dominates on a matrix this small.
        lower, info = dpotrf(schur, lower=1)
        if info:
            return None  # only at absurd ratios an optimiser may probe
        x2, _ = dpotrs(lower, rhs, lower=1)
        r2 = self.yy - ts * ts * float(inv @ self.ss_in) - float(x2 @ rhs)
        logdet = (-float(self.n_in @ np.log(inv))
                  + 2.0 * float(np.sum(np.log(np.diagonal(lower)))))
        return inv, lower, x2, logdet, max(r2, 0.0)

    def pls(self, ts: float, tr: float) -> tuple[float, float]:
        """log|M| of the penalised normal equations and the penalised residual sum of squares."""
        solved = self._solve(ts, tr)
        return (math.inf, 0.0) if solved is None else (solved[3], solved[4])

    def profiled(self, theta: np.ndarray) -> float:
        """REML deviance with sigma_e and mu profiled out, per rating (constants dropped).

        Dividing by N keeps the optimiser's tolerances meaningful whatever the
        size of the study."""
        logdet, r2 = self.pls(float(theta[0]), float(theta[1]))
        if r2 <= 0.0 or not math.isfinite(logdet):
            return math.inf
        return (logdet + (self.N - 1) * math.log(r2)) / self.N

    def profiled_with_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`profiled` and its exact gradient in (t_s, t_r).

        d log|M| = tr(M^-1 dM) through the block inverse of M, and dr² from the
        envelope theorem: dr²/dt = -2 (residual sums) · (spherical effects);
        the session and group sums keep both O(groups × raters²)."""
        ts, tr = float(theta[0]), float(theta[1])
        solved = self._solve(ts, tr)
        if solved is None or solved[4] <= 0.0:
            return math.inf, np.zeros(2)
        inv, lower, x2, logdet, r2 = solved
        q = self.m.size
        sizes, w2 = self.sizes, inv * inv
        s_inv, _ = dpotrs(lower, np.eye(q + 1), lower=1)
        # H = sum_g inv_g² sum_i g_i g_i' with g_i = (t_r c_i, n_i)
        h = np.empty((q + 1, q + 1))
        # P_g = scaled_pairs_g × v_g
        h[:q, :q] = (tr * tr) * ((w2 * sizes) @ self.scaled_pairs).reshape(q, q)
        h[:q, q] = h[q, :q] = tr * ((w2 * sizes) @ self.raters_in)
        h[q, q] = float(np.sum(w2 * sizes**2 * self.n_in))
        a = np.append(tr * (w2 @ self.ys_raters), float(np.sum(w2 * sizes * self.ys_in)))
        dr2_s = -2.0 * ts * (float(w2 @ self.ss_in) - 2.0 * float(x2 @ a) + float(x2 @ h @ x2))
        dr2_r = -2.0 * float(x2[:q] @ x2[:q]) / tr if tr > 0 else 0.0
        dlog_s = 2.0 * ts * (float(np.sum(self.n_in * sizes * inv)) - float(np.sum(s_inv * h)))
        f = np.empty((q + 1, q))
        f[:q] = tr * ((inv * sizes) @ self.scaled_pairs).reshape(q, q)  # E'D^-1 C / t_s
        f[q] = (inv * sizes) @ self.raters_in
        dlog_r = 2.0 * (float(self.m @ (tr * np.diagonal(s_inv)[:q] + s_inv[:q, q]))
                        - ts * ts * float(np.sum(s_inv[:q, :] * f.T)))
        scale = (self.N - 1) / r2
        value = (logdet + (self.N - 1) * math.log(r2)) / self.N
        return value, np.array([dlog_s + scale * dr2_s, dlog_r + scale * dr2_r]) / self.N

    def deviance(self, var: np.ndarray) -> float:
        """Full REML deviance at variance components (session, rater, residual)."""
        vs, vr, ve = (float(v) for v in var)
        logdet, r2 = self.pls(math.sqrt(max(vs, 0.0) / ve), math.sqrt(max(vr, 0.0) / ve))
        return logdet + (self.N - 1) * math.log(ve) + r2 / ve


def random_effects_icc(scores: np.ndarray, rating_session: np.ndarray,
                       rating_rater: np.ndarray, *, max_iterations: int = 500) -> RandomEffects:
    """Fit the crossed model to per-rating ``scores`` (NaN = not scored).

    ``rating_session`` and ``rating_rater`` are integer codes per rating.
    Never raises on degenerate data: with too few sessions or raters, no
    replication, or a fit that does not converge, the figures are None and
    ``reason`` says why (with one-way ANOVA figures in ``anova`` when the fit
    failed). ``max_iterations`` bounds the optimiser.
    """
    scores = np.asarray(scores, dtype=np.float64)
    scored = ~np.isnan(scores)
    y = scores[scored]
    session, rater = _compact(rating_session[scored]), _compact(rating_rater[scored])
    per_session = np.bincount(session) if y.size else np.empty(0)
    n_sessions, n_raters = per_session.size, int(rater.max()) + 1 if y.size else 0
    k = float(per_session.size / np.sum(1.0 / per_session)) if per_session.size else None
    counts = (n_sessions, int(y.size), n_raters)

    def undefined(reason: str, anova: AnovaFallback | None = None) -> RandomEffects:
        return RandomEffects(METHOD, None, None, None, None, None, k, (None, None), (None, None),
                             *counts, converged=False, reason=reason, anova=anova)

    if n_raters < 2:
        return undefined(f"the rater variance needs at least 2 raters (have {n_raters})")
    if np.count_nonzero(per_session >= 2) < 2:
        return undefined("fewer than 2 sessions have two or more scored ratings")
    if np.ptp(y) == 0:
        return undefined("every score is the same: there is no variance to partition")

    design = _Design(y, session, rater)
    # Near perfect agreement the deviance runs off to infinity; the finite differences
    # then subtract infinities, which the degeneracy check below reports in words.
    with np.errstate(invalid="ignore", over="ignore"):
        fit = minimize(design.profiled_with_gradient, x0=_start(design, k), jac=True,
                       method="SLSQP", bounds=[(0.0, None), (0.0, None)],
                       options={"ftol": 1e-14, "maxiter": max_iterations})
    theta = fit.x
    _, r2 = design.pls(float(theta[0]), float(theta[1]))
    if float(np.max(theta)) > _DEGENERATE:
        return undefined("the residual variance is estimated at zero (the raters agree "
                         "perfectly), so the random-effects model is degenerate; the one-way "
                         "ANOVA figures are given instead", _anova(design, k))
    # Judge convergence by the optimality conditions, not by the optimiser's message:
    # an optimiser can stop in its line search ("ABNORMAL") when already at the optimum.
    if fit.nit >= max_iterations or r2 <= 0 or not _stationary(design, theta):
        why = (str(fit.message) if not fit.success
               else "the likelihood is not flat where the optimiser stopped")
        logger.warning("REML fit did not converge: %s", why)
        return undefined(f"the REML fit did not converge ({why}); the one-way ANOVA figures "
                         "are given instead", _anova(design, k))
    ve = r2 / (design.N - 1)
    var = np.array([theta[0] ** 2 * ve, theta[1] ** 2 * ve, ve])
    single, average = _iccs(var, k)
    ci_single, ci_average, ci_reason = _wald_intervals(design, var, k)
    logger.debug("REML fit: %d evaluations, theta=%s, var=%s", fit.nfev, theta, var)
    return RandomEffects(METHOD, *(float(v) for v in var), single, average, k, ci_single,
                         ci_average, *counts, converged=True, reason=ci_reason)


def _start(design: _Design, k: float) -> np.ndarray:
    """Moment estimates of the two relative SDs, so the optimiser starts near the optimum."""
    anova = _anova(design, k)
    within = anova.var_within if anova.var_within and anova.var_within > 0 else 1.0
    session = max(anova.var_session or 0.0, 0.01 * within)
    rater_means = design.yr / design.m
    rater = max(float(np.var(rater_means)) - within / float(np.mean(design.m)), 0.01 * within)
    return np.sqrt(np.array([session, rater]) / within)


def _compact(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered 0..m-1 in ascending order, without sorting small non-negative ones."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.size and codes.min() >= 0 and codes.max() < 4 * codes.size + 1024:
        present = np.bincount(codes) > 0
        return (np.cumsum(present) - 1)[codes]
    return np.unique(codes, return_inverse=True)[1].reshape(-1)


def _stationary(design: _Design, theta: np.ndarray) -> bool:
    """Gradient near zero inside the bounds; at a bound, no descent away from zero.

    The deviance is even in each ratio, so its gradient vanishes at zero
    whether or not zero is the optimum: a bound coordinate is judged by a
    one-sided difference instead."""
    if not np.all(np.isfinite(theta)):
        return False
    f0, grad = design.profiled_with_gradient(theta)
    for i in range(theta.size):
        h = 1e-6 * max(1.0, theta[i])
        if theta[i] <= h:
            step = np.zeros_like(theta)
            step[i] = h
            if (design.profiled(theta + step) - f0) / h < -_GRADIENT_TOL:
                return False
        elif abs(grad[i]) > _GRADIENT_TOL:
            return False
    return True


def _iccs(var: np.ndarray, k: float) -> tuple[float, float]:
    vs, vr, ve = var
    return float(vs / (vs + vr + ve)), float(vs / (vs + (vr + ve) / k))


def _wald_intervals(design: _Design, var: np.ndarray, k: float
                    ) -> tuple[tuple[float | None, float | None],
                               tuple[float | None, float | None], str | None]:
    """Logit-scale Wald intervals of both ICCs (see the module docstring)."""
    if var[0] <= _BOUNDARY**2 * var[2]:
        return (None, None), (None, None), ("the session variance is estimated at zero, so the "
                                            "ICC is 0 and its Wald interval is undefined")
    free = [0, 2] if var[1] <= _BOUNDARY**2 * var[2] else [0, 1, 2]
    try:
        information = _hessian(lambda v: 0.5 * design.deviance(v), var, free)
        cov = np.linalg.inv(information)
    except (np.linalg.LinAlgError, ValueError):
        cov = np.full((len(free), len(free)), np.nan)
    out = []
    for average in (False, True):
        grad = _icc_gradient(var, k if average else 1.0)[free]
        value = _iccs(var, k)[int(average)]
        se_var = float(grad @ cov @ grad)
        if not (se_var >= 0 and 0 < value < 1):
            out.append((None, None))
            continue
        half = _Z95 * math.sqrt(se_var) / (value * (1 - value))
        centre = float(logit(value))
        out.append((float(expit(centre - half)), float(expit(centre + half))))
    reason = None if all(None not in ci for ci in out) else (
        "the observed information is singular, so the Wald interval is undefined")
    return out[0], out[1], reason


def _icc_gradient(var: np.ndarray, k: float) -> np.ndarray:
    """d ICC / d (var_session, var_rater, var_residual) for ICC = vs / (vs + (vr + ve)/k)."""
    vs, vr, ve = var
    noise = (vr + ve) / k
    total = (vs + noise) ** 2
    return np.array([noise / total, -vs / k / total, -vs / k / total])


def _hessian(f, x: np.ndarray, free: list[int]) -> np.ndarray:
    """Central-difference Hessian of ``f`` over the coordinates ``free`` of ``x``."""
    h = 1e-4 * np.maximum(np.abs(x), 1e-8)
    size = len(free)
    out = np.empty((size, size))
    f0 = f(x)
    for a, i in enumerate(free):
        for b, j in enumerate(free[a:], start=a):
            if i == j:
                step = np.zeros_like(x)
                step[i] = h[i]
                out[a, a] = (f(x + step) - 2 * f0 + f(x - step)) / h[i] ** 2
                continue
            si, sj = np.zeros_like(x), np.zeros_like(x)
            si[i], sj[j] = h[i], h[j]
            value = (f(x + si + sj) - f(x + si - sj) - f(x - si + sj) + f(x - si - sj))
            out[a, b] = out[b, a] = value / (4 * h[i] * h[j])
    return out


def _anova(design: _Design, k: float) -> AnovaFallback:
    """Unbalanced one-way ANOVA estimates (sessions random, raters ignored)."""
    sizes, groups, N = design.sizes, design.n_in, design.N
    ns = float(groups.sum())
    ssb = float(np.sum(design.ss_in / sizes))  # sum over sessions of n_i * (centred mean)^2
    ssw = design.yy - ssb
    msb, msw = ssb / (ns - 1), ssw / (N - ns) if N > ns else math.nan
    n0 = (N - float(groups @ sizes**2) / N) / (ns - 1)
    vs = (msb - msw) / n0
    if not (math.isfinite(vs) and math.isfinite(msw) and vs + msw > 0):
        return AnovaFallback(None, None, None, None, n0)
    return AnovaFallback(vs, msw, vs / (vs + msw), vs / (vs + msw / k), n0)
