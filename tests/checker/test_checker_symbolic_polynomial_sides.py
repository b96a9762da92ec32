"""A symbolic pass proves a law only if *both* sides are polynomials in the generic symbols.

The tracer watches the checking thread for divisions, branches and functions of the symbols
(``catdyn.checker.trace``). A side computed in a thread the law starts is out of its sight:
there ``(x² − 1)/(x − 1)`` is built with no event recorded, and sympy finds it equal to
``x + 1``, though the law fails at ``x = 1``. The engine's last check, that both sides are
polynomials, must stop that pass from counting as a proof, whichever side is the rational
function. A polynomial identity computed the same way is still proved (the check is not a
blanket refusal of threads)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from catdyn.checker.law import CheckConfig, Law, check_law
from catdyn.checker.trace import Generic

SYMBOLIC_ONLY = CheckConfig(engines=("symbolic",))


def _in_a_thread(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def side(a: Any) -> Any:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(fn, a).result()

    return side


def _rational(a: Any) -> Any:
    return (a**2 - 1) / (a - 1)


def _polynomial(a: Any) -> Any:
    return a + 1


@pytest.mark.parametrize("rational_side", ["lhs", "rhs", "both"])
def test_a_side_that_is_not_a_polynomial_is_no_proof(rational_side: str) -> None:
    lhs = _in_a_thread(_rational) if rational_side in ("lhs", "both") else _polynomial
    rhs = _in_a_thread(_rational) if rational_side in ("rhs", "both") else _polynomial
    law = Law("cancelled", "numeric", lhs, rhs, symbolic=lambda: [(Generic("x", rational=True),)])
    result = check_law(law, SYMBOLIC_ONLY)
    assert result.status != "proved", result
    assert any("not polynomials in the symbols" in n for n in result.notes), result.notes


def test_a_polynomial_identity_computed_in_a_thread_is_proved() -> None:
    law = Law(
        "square",
        "numeric",
        _in_a_thread(lambda a: (a + 1) ** 2),
        lambda a: a**2 + 2 * a + 1,
        symbolic=lambda: [(Generic("x", rational=True),)],
    )
    result = check_law(law, SYMBOLIC_ONLY)
    assert (result.status, result.engine) == ("proved", "symbolic"), result
