"""Regenerate the lme4 fixtures for the crossed random-effects ICC.

Writes incomplete designs (rotating raters, 1-4 ratings per session, missing
scores, a design whose rater variance is zero) to
``fixtures/reml/<name>.csv`` and fits each with R's lme4 (REML) into
``fixtures/reml/lme4.csv``. Needs R with lme4 (Debian: ``apt-get install
--no-install-recommends r-base-core r-cran-lme4``); the tests only read the
files, so R is not needed to run them.

Usage: ``python tests/stats/make_reml_fixtures.py``
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "fixtures" / "reml"

# name: sessions, rater pool, ratings per session (choices), SDs (session, rater, residual),
# share of scores missing, whether scores are rounded to the 0-4 item metric
DESIGNS = {
    "rotating_2to4": (60, 8, (2, 3, 4), (0.9, 0.35, 0.6), 0.05, False),
    "hstbs_like": (264, 17, (3, 3, 3, 3, 4), (0.7, 0.25, 0.55), 0.03, True),
    "pairs_only": (120, 5, (2,), (1.2, 0.5, 1.0), 0.0, False),
    "with_singletons": (90, 10, (1, 2, 3), (0.8, 0.4, 0.7), 0.08, False),
    "no_rater_variance": (150, 6, (2, 3), (1.0, 0.0, 0.8), 0.02, False),
    "large_rotating": (2000, 12, (3,), (0.6, 0.3, 0.5), 0.01, True),
}

R_SCRIPT = r"""
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
out <- NULL
for (name in args[-1]) {
  d <- read.csv(file.path(args[1], paste0(name, ".csv")), na.strings = c("NA", ""))
  d <- d[!is.na(d$score), ]
  d$session <- factor(d$session); d$rater <- factor(d$rater)
  fit <- lmer(score ~ 1 + (1 | session) + (1 | rater), data = d, REML = TRUE,
              control = lmerControl(optimizer = "bobyqa",
                                    optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
  vc <- as.data.frame(VarCorr(fit))
  v <- setNames(vc$vcov, vc$grp)
  out <- rbind(out, data.frame(name = name, var_session = v[["session"]],
                               var_rater = v[["rater"]], var_residual = v[["Residual"]],
                               reml_criterion = REMLcrit(fit), intercept = fixef(fit)[[1]],
                               n_ratings = nrow(d)))
}
write.csv(out, file.path(args[1], "lme4.csv"), row.names = FALSE)
cat(sprintf("lme4 %s, R %s\n", packageVersion("lme4"), getRversion()))
"""


def make(name: str, seed: int) -> None:
    """Simulate one design and write it as session,rater,score (NA = missing)."""
    n_sessions, pool, sizes, (sd_s, sd_r, sd_e), missing, rounded = DESIGNS[name]
    rng = np.random.default_rng(seed)
    session_effect = rng.normal(0, sd_s, n_sessions)
    rater_effect = rng.normal(0, sd_r, pool)
    rows = []
    for s in range(n_sessions):
        k = int(rng.choice(sizes))
        for r in rng.choice(pool, size=k, replace=False):
            score = 2.0 + session_effect[s] + rater_effect[r] + rng.normal(0, sd_e)
            if rounded:
                score = float(np.clip(np.round(score * 4) / 4, 0, 4))  # mean of 4 items on 0-4
            rows.append(f"S{s + 1:04d},R{r + 1:02d},"
                        f"{'NA' if rng.random() < missing else f'{score:.6f}'}")
    (HERE / f"{name}.csv").write_text("session,rater,score\n" + "\n".join(rows) + "\n")


def main() -> None:
    """Write every design and its lme4 fit."""
    HERE.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(DESIGNS, start=101):
        make(name, seed)
    result = subprocess.run(["Rscript", "-e", R_SCRIPT, str(HERE), *DESIGNS],
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"R failed:\n{result.stderr}")
    print(result.stdout.strip())


if __name__ == "__main__":
    main()
