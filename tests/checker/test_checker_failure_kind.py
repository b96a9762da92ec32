"""The sampler reports the failure kind it met first, for a law that both raises and is refuted.

A law can fail two ways: a side raises (``error``) or the sides differ (``refuted``). Shrinking
must stay with the kind met first: shrinking towards *any* failure would end at whichever kind
has the smallest example, and the report would name a failure the search did not lead with.
The laws here are built so that the two disagree: the smallest failing argument (1) is of the
rare kind, every argument ≥ 2 of the common one. Each law records the order in which its
arguments were evaluated, so the test knows which kind came first whatever hypothesis drew.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from catdyn.checker.law import CheckConfig, Law, check_law


class _Recorder:
    """A law over x ≥ 0: x = 0 holds, x = 1 fails the rare way, x ≥ 2 the common way."""

    def __init__(self, common: str) -> None:
        self.common = common
        self.kinds: list[str] = []

    def kind(self, x: int) -> str | None:
        if x == 0:
            return None
        rare = "error" if self.common == "refuted" else "refuted"
        return rare if x == 1 else self.common

    def lhs(self, x: int) -> int:
        kind = self.kind(x)
        if kind is not None:
            self.kinds.append(kind)
        if kind == "error":
            raise ValueError(f"raised at {x}")
        return x if kind == "refuted" else 0

    def law(self) -> Law:
        return Law(
            f"mostly {self.common}",
            "numeric",
            self.lhs,
            lambda x: 0,
            arguments=st.integers(0, 10**6).map(lambda x: (x,)),
            argnames=("x",),
        )


def _shown_x(result) -> int:
    args = result.counterexample.arguments if result.status == "refuted" else result.error.arguments
    return int(dict(args)["x"])


@pytest.mark.parametrize("common", ["refuted", "error"])
def test_the_reported_kind_is_the_one_met_first(common: str) -> None:
    led_by_common = 0
    for seed in range(8):
        rec = _Recorder(common)
        result = check_law(rec.law(), CheckConfig(examples=200, seed=seed, engines=("hypothesis",)))
        assert rec.kinds, "the law never failed: the test would prove nothing"
        first = rec.kinds[0]
        assert result.status == first, (seed, rec.kinds[:5])
        # shrunk within that kind: to its smallest argument, not to the other kind's
        assert _shown_x(result) == (1 if first != common else 2), seed
        led_by_common += first == common
    # the search led with the common kind at least once, where shrinking towards any failure
    # would have reported the rare one (x = 1) instead
    assert led_by_common >= 1
