"""The Law contract and the engines: exhaustive, symbolic, hypothesis, tolerance, errors."""

import math

import numpy as np
import pytest
import sympy
from hypothesis import strategies as st

from catdyn.categories.finset import FinSet
from catdyn.checker import CheckConfig, Law, approx, check_law, compare_values

SEEDED = CheckConfig(examples=100, seed=0)


def test_exhaustive_proves_and_refutes_at_the_first_failure():
    law = Law(
        "n*n >= n",
        "numeric",
        lambda n: n * n >= n,
        lambda n: True,
        enumerate=lambda: [(n,) for n in range(50)],
    )
    assert check_law(law).status == "proved"
    bad = Law(
        "n*n < 30",
        "numeric",
        lambda n: n * n < 30,
        lambda n: True,
        enumerate=lambda: [(n,) for n in range(50)],
    )
    r = check_law(bad)
    assert (r.status, r.engine, r.examples) == ("refuted", "exhaustive", 6)
    assert r.counterexample.arguments == (("arg0", "6"),)
    assert (r.counterexample.lhs, r.counterexample.rhs) == ("False", "True")


def test_exhaustive_gives_way_when_enumeration_is_too_long():
    law = Law(
        "x = x",
        "numeric",
        lambda x: x,
        lambda x: x,
        enumerate=lambda: ((n,) for n in range(10**9)),
        arguments=st.tuples(st.integers()),
    )
    r = check_law(law, CheckConfig(examples=20, seed=0, max_cases=100))
    assert (r.status, r.engine, r.examples) == ("held", "hypothesis", 20)


def test_tolerance_makes_an_exhaustive_pass_held_not_proved():
    law = Law(
        "close",
        "numeric",
        lambda x: x + 1e-9,
        lambda x: x,
        enumerate=lambda: [(1.0,), (2.0,)],
        compare=approx(),
    )
    r = check_law(law)
    assert (r.status, r.comparison) == ("held", "tolerance")
    assert 0 < r.residual < 1e-8


def test_hypothesis_shrinks_to_the_smallest_counterexample_and_shows_both_sides():
    law = Law(
        "n < 1000", "numeric", lambda n: min(n, 1000), lambda n: n, arguments=st.tuples(st.integers(0, 10**6))
    )
    r = check_law(law, SEEDED)
    assert r.status == "refuted" and r.engine == "hypothesis"
    assert r.counterexample.arguments == (("arg0", "1001"),)
    assert (r.counterexample.lhs, r.counterexample.rhs) == ("1000", "1001")


def test_hypothesis_held_reports_examples_and_largest_residual():
    law = Law(
        "wiggle",
        "numeric",
        lambda x: np.array([x]) * (1 + 1e-7),
        lambda x: np.array([x]),
        arguments=st.tuples(st.floats(-1, 1)),
        compare=approx(rtol=1e-6, atol=0),
    )
    r = check_law(law, SEEDED)
    assert (r.status, r.examples, r.comparison) == ("held", 100, "tolerance")
    assert 0 < r.residual <= 1.01e-7


def test_seed_makes_sampling_deterministic():
    law = Law(
        "x", "numeric", lambda x: x % 97 != 13, lambda x: True, arguments=st.tuples(st.integers(0, 10**9))
    )
    a = check_law(law, CheckConfig(examples=300, seed=5))
    b = check_law(law, CheckConfig(examples=300, seed=5))
    assert (a.status, a.examples, a.counterexample) == (b.status, b.examples, b.counterexample)


def test_an_exception_is_an_error_with_its_arguments():
    law = Law("reciprocal", "numeric", lambda n: 1 / n, lambda n: 1 / n, enumerate=lambda: [(2,), (0,), (1,)])
    r = check_law(law)
    assert r.status == "error" and r.error.type == "ZeroDivisionError"
    assert r.error.arguments == (("arg0", "0"),)
    assert "ZeroDivisionError" in r.error.traceback


def test_sampled_error_is_shrunk_too():
    law = Law(
        "boom", "numeric", lambda n: [0][n // 100], lambda n: 0, arguments=st.tuples(st.integers(0, 10**4))
    )
    r = check_law(law, SEEDED)
    assert r.status == "error" and r.error.type == "IndexError"
    assert r.error.arguments == (("arg0", "100"),)


def test_no_engine_applies_is_an_error():
    r = check_law(Law("nothing", "numeric", abs, abs))
    assert r.status == "error" and r.engine == "none"


def test_symbolic_proves_identities_of_symbols():
    x, y = sympy.symbols("x y")
    law = Law(
        "binomial",
        "numeric",
        lambda a, b: (a + b) ** 2,
        lambda a, b: a**2 + 2 * a * b + b**2,
        symbolic=lambda: [(x, y)],
    )
    r = check_law(law, CheckConfig(engines=("symbolic",)))
    assert (r.status, r.engine) == ("proved", "symbolic")


def test_symbolic_refutes_with_a_rational_witness():
    x = sympy.Symbol("x")
    law = Law("wrong", "numeric", lambda a: a**2, lambda a: a, symbolic=lambda: [(x,)])
    r = check_law(law)
    assert (r.status, r.engine) == ("refuted", "symbolic")
    assert "at x = -1" in r.counterexample.detail  # 0 and 1 are roots; −1 is the next value tried


def test_symbolic_falls_through_when_sides_are_not_symbolic():
    law = Law(
        "floats",
        "numeric",
        lambda v: v,
        lambda v: v,
        symbolic=lambda: [(np.array([0.5]),)],
        arguments=st.tuples(st.just(np.array([1.0]))),
    )
    assert check_law(law, CheckConfig(examples=5, seed=0)).engine == "hypothesis"


def test_compare_values_on_morphisms_tuples_arrays():
    A, B = FinSet.object("A", 2), FinSet.object("B", 2)
    f = FinSet.function("f", A, B, [0, 1])
    g = FinSet.function("g", A, A, [0, 1])
    assert compare_values(f, FinSet.function("other name", A, B, [0, 1])).equal
    assert compare_values(f, g) == compare_values(f, g) and not compare_values(f, g).equal  # different ends
    assert compare_values((1, 2), (1, 2, 3)).residual == math.inf
    c = compare_values(np.array([1, 2]), np.array([1, 5]))
    assert not c.equal and c.residual == 3.0


def test_approx_handles_shapes_nan_and_tensor_like():
    close = approx(atol=1e-6)
    assert not close(np.zeros(2), np.zeros(3)).equal
    assert not close(np.array([np.nan]), np.array([np.nan])).equal

    class FakeTensor:  # detach().cpu().numpy(), as torch tensors have
        def __init__(self, a):
            self.a = np.asarray(a)

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.a

    c = close(FakeTensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-3]))
    assert not c.equal and c.residual == pytest.approx(1e-3)
