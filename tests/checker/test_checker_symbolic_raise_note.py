"""When the symbolic pass raises, the law is sampled, and the result says why.

A law's sides may not accept symbols (``int(x)`` of a sympy symbol raises ``TypeError``): the
symbolic engine then decides nothing and sampling decides, and the result's ``notes`` must
name the exception, so that a reader can tell a sampled ``held`` from a proof that was never
attempted. The reference is the law itself: concretely it holds for every integer."""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

from catdyn.checker.law import CheckConfig, Law, check_law


def test_a_raising_symbolic_pass_is_named_in_the_notes() -> None:
    x = sympy.Symbol("x", integer=True)
    law = Law(
        "int round trip",
        "numeric",
        lambda n: int(n) + 0,
        lambda n: n,
        arguments=st.tuples(st.integers(-50, 50)),
        symbolic=lambda: [(x,)],
    )
    result = check_law(law, CheckConfig(examples=20, seed=0))
    assert (result.status, result.engine) == ("held", "hypothesis"), result
    raised = [n for n in result.notes if n.startswith("symbolic pass raised TypeError")]
    assert len(raised) == 1, result.notes
    assert raised[0].endswith("sampled instead")
