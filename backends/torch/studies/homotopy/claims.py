"""The claims of the homotopy study, each a :class:`Claim` with its verdict from the shared
vocabulary of :mod:`catdyn.stats`:

* the within- and between-class spreads against the paper's bounds
  (:func:`~catdyn.stats.bound_verdict`);
* the number of classes against the paper's 7 of 100 (:func:`~catdyn.stats.equality_verdict`:
  a population under 100 networks is not comparable);
* the Mantel correlation, ρ > 0 claimed (:func:`~catdyn.stats.significance_verdict`);
* the affine residual within classes below that between them
  (:func:`~catdyn.stats.point_verdict`);
* a verdict kept only where every criterion and level of the sensitivity table gives it
  (:func:`robust_claim`: otherwise inconclusive, with the rows that disagree).

>>> from catdyn.stats import Estimate
>>> c = spread_claim("within", Estimate(0.003, 0.002, 0.004), "pooled std")
>>> c.verdict, c.figure, c.detail
(<Verdict.REPRODUCED: 'reproduced'>, '0.30 % [0.20, 0.40]', 'supported; pooled std')
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from catdyn.backends.torch.studies.homotopy.affine import AffineFits
from catdyn.backends.torch.studies.homotopy.mantel import MantelTest
from catdyn.backends.torch.studies.homotopy.partition import Classes
from catdyn.backends.torch.studies.homotopy.spreads import Spreads
from catdyn.stats import (
    Estimate,
    Verdict,
    bound_verdict,
    equality_verdict,
    point_verdict,
    significance_verdict,
)

PAPER = {
    "within": ("< 0.5 %", 0.005, "<"),
    "between": ("> 3 %", 0.03, ">"),
    "classes": ("7 classes of 100 MNIST networks", 7),
}
"""The paper's figures (arXiv 2510.04376, second-hand): spreads as fractions."""

_BOUND_WORDS = {Verdict.REPRODUCED: "supported", Verdict.NOT_REPRODUCED: "contradicted"}
"""Where a spread's interval lies against the paper's bound, the first words of its detail
(the wording stored runs have)."""


@dataclass(frozen=True)
class Claim:
    """One row of the claims table: the paper's figure, the measured one, its interval, the
    verdict and the words around them."""

    claim: str
    paper: str
    measured: float | None
    verdict: Verdict
    interval: tuple[float, float] | None = None
    figure: str = ""
    detail: str = ""

    def record(self, ctx: Any) -> None:
        """Record the claim into an operation's context."""
        ctx.claim(
            self.claim,
            paper=self.paper,
            measured=self.measured,
            interval=self.interval,
            verdict=self.verdict.value,
            figure=self.figure,
            detail=self.detail,
        )


def spread_claim(key: str, est: Estimate, detail: str, name: str | None = None) -> Claim:
    """A spread (``key`` ``"within"`` or ``"between"``) against the paper's bound."""
    paper, bound, side = PAPER[key]
    verdict = bound_verdict(est, bound, side)
    finite = math.isfinite(est.value) and math.isfinite(est.low) and math.isfinite(est.high)
    words = _BOUND_WORDS.get(verdict, "inconclusive") if finite else "not measurable"
    return Claim(
        name or f"{key}-class spread of test accuracy",
        paper=paper,
        measured=est.value,
        verdict=verdict,
        interval=(est.low, est.high),
        figure=f"{100 * est.value:.2f} % [{100 * est.low:.2f}, {100 * est.high:.2f}]",
        detail=f"{words}; {detail}",
    )


def spread_claims(spreads: Spreads, setting_words: str) -> list[Claim]:
    """The within- and between-class claims."""
    return [
        spread_claim(
            "within",
            spreads.within,
            f"pooled within-class std over {spreads.classes_used} classes with ≥ 2 members; {setting_words}",
        ),
        spread_claim(
            "between",
            spreads.between,
            f"mean |difference| of class means over pairs of classes with ≥ 2 members; {setting_words}",
        ),
    ]


def count_claim(classes: Classes, setting_words: str) -> Claim:
    """The number of classes, its interval the counts just outside the range of c it holds for."""
    n, count = classes.persistence.n, classes.count
    lo, hi = classes.stable_range
    sizes = sorted((int((classes.labels == c).sum()) for c in range(count)), reverse=True)
    return Claim(
        "number of homotopy classes",
        paper=PAPER["classes"][0],
        measured=float(count),
        verdict=equality_verdict(count, PAPER["classes"][1], comparable=n >= 100),
        interval=classes.count_interval,
        figure=f"{count} of {n} (sizes {sizes})",
        detail=f"the count is constant for c in [{lo:.4g}, {hi:.4g}); interval = the counts just above and just "
        f"below that range; {setting_words}",
    )


def mantel_claim(test: MantelTest, barrier_words: str) -> Claim:
    """Pairs joined by lower barriers generalise more alike: ρ > 0 claimed."""
    rho, p_up, p_down = test.rho, test.p_greater, test.p_less
    return Claim(
        "pairs joined by lower barriers generalise more alike (no threshold)",
        paper="implied by the claim (homotopic ⇒ alike)",
        measured=rho if test.measured else None,
        verdict=significance_verdict(rho, p_up, p_down, claimed=">")
        if test.measured
        else Verdict.INCONCLUSIVE,
        figure=f"Spearman ρ = {rho:.3f}, Mantel p = {p_up:.3g} (ρ > 0), {p_down:.3g} (ρ < 0)",
        detail=f"rank correlation over {test.pairs} pairs between the {barrier_words} and |Δ test accuracy|; "
        "p from relabelling models",
    )


def affine_claim(fits: AffineFits) -> Claim:
    """The final-stage affine residual within classes below that between them."""
    w, b = fits.final
    return Claim(
        "homotopic runs' representations differ by an affine map (final stage)",
        paper="prediction: small residual within a class",
        measured=w if fits.measured else None,
        verdict=point_verdict(w, b, "<"),
        figure=f"within {w:.4f} vs between {b:.4f}",
        detail=f"held-out relative residual of a ridge affine fit of {fits.layer} features on {fits.probe} test "
        f"inputs, {fits.pairs} pairs; 'reproduced' means only that within-class residuals are below "
        "between-class ones",
    )


def robust_claim(claim: Claim, rows: list[tuple[str, str]]) -> Claim:
    """``claim`` (measured under the chosen criterion and c) with its verdict kept only when
    every ``(setting, verdict)`` row of the sensitivity table gives the same verdict; else
    inconclusive, the reason naming the settings under each verdict.

    >>> c = Claim("within", "< 0.5 %", 0.003, Verdict.REPRODUCED, detail="pooled std")
    >>> robust_claim(c, [("line-endpoint c=0.1", "reproduced")]).verdict
    <Verdict.REPRODUCED: 'reproduced'>
    >>> r = robust_claim(c, [("line-endpoint c=0.1", "reproduced"), ("sublevel c=0.1", "not reproduced")])
    >>> r.verdict, r.detail.split(";")[0]
    (<Verdict.INCONCLUSIVE: 'inconclusive'>, 'depends on the criterion and c: reproduced under line-endpoint c=0.1, not reproduced under sublevel c=0.1 (chosen: reproduced)')
    """
    by_verdict: dict[str, list[str]] = {}
    for setting_, verdict in rows:
        by_verdict.setdefault(str(verdict), []).append(setting_)
    if set(by_verdict) <= {claim.verdict.value}:
        detail = f"the same verdict under all {len(rows)} criteria × c of the sensitivity table; {claim.detail}"
        return dataclasses.replace(claim, detail=detail)
    reason = ", ".join(f"{v} under {' / '.join(s)}" for v, s in by_verdict.items())
    detail = f"depends on the criterion and c: {reason} (chosen: {claim.verdict.value}); {claim.detail}"
    return dataclasses.replace(claim, verdict=Verdict.INCONCLUSIVE, detail=detail)
