"""A symbolic pass whose lhs − rhs stays non-zero after simplification but whose witness search
finds no value where it is non-zero decides nothing: the law is sampled instead, and the result
says why ("sympy could not decide …"). The polynomial here vanishes at every value the witness
search tries (0, ±1, 2, 1/2, 1/7, −2/5, 3, 11) and nowhere else."""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

from catdyn.checker.engines import run_engines
from catdyn.checker.law import CheckConfig, Law

x = sympy.Symbol("x")
ROOTS = [0, 1, -1, 2, sympy.Rational(1, 2), sympy.Rational(1, 7), sympy.Rational(-2, 5), 3, 11]


def _vanishing(a):  # type: ignore[no-untyped-def]
    out = 1
    for r in ROOTS:
        out = out * (a - r)
    return out


def _law(point: int) -> Law:
    return Law(
        "vanishes",
        "numeric",
        _vanishing,
        lambda a: 0,
        symbolic=lambda: [(x,)],
        arguments=st.just((point,)),
    )


def test_an_undecided_difference_is_sampled_with_its_note() -> None:
    r = run_engines(_law(0), CheckConfig(examples=5, seed=0))
    assert r.status == "held" and r.engine == "hypothesis"
    assert any("sympy could not decide" in n for n in r.notes)


def test_the_sampler_then_refutes_it_where_it_is_not_zero() -> None:
    r = run_engines(_law(5), CheckConfig(examples=5, seed=0))
    assert (r.status, r.engine) == ("refuted", "hypothesis")
    assert any("sympy could not decide" in n for n in r.notes)
