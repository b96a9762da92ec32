"""The size bounds that guard the JSON reader are upper bounds: checked against what sympy
actually computes (the expanded numerator and denominator over a common denominator)."""

import itertools

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from catdyn._expression_bounds import Bound, PolyBound, composite_cost
from catdyn.serialise import _parse_bounded

_leaves = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["a", "b", "c"]))
expressions = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.integers(0, 4)).map(lambda t: f"({t[0]})**{t[1]}"),
        inner.map(lambda s: f"-{s}"),
    ),
    max_leaves=8,
)


def _actual(value):
    """The (terms, degree, coefficient bits) of the numerator and denominator of ``value``."""
    num, den = sympy.fraction(sympy.cancel(sympy.together(value)))
    out = []
    for part in (num, den):
        poly = sympy.Poly(part, *sorted(value.free_symbols, key=str)) if value.free_symbols else None
        coeffs = poly.coeffs() if poly is not None else [part]
        bits = max(int(abs(part)).bit_length() for c in coeffs for part in sympy.fraction(c))
        out.append(PolyBound(len(coeffs), poly.total_degree() if poly is not None else 0, bits))
    return out


def _within(actual: PolyBound, bound: PolyBound) -> bool:
    return actual.terms <= bound.terms and actual.degree <= bound.degree and actual.bits <= bound.bits


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_the_bound_of_an_entry_is_an_upper_bound_of_its_expansion(text):
    try:
        value, bound = _parse_bounded(text)
    except ValueError:  # division by zero, or over a cap
        assume(False)
    num, den = _actual(value)
    assert _within(num, bound.num), (text, num, bound.num)
    assert _within(den, bound.den), (text, den, bound.den)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_bound_of_a_composite_is_an_upper_bound_of_the_matrix_product(data):
    dims = data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    path, matrices = [], []
    for cols, rows in itertools.pairwise(dims):
        texts = [[data.draw(expressions) for _ in range(cols)] for _ in range(rows)]
        try:
            parsed = [[_parse_bounded(t) for t in row] for row in texts]
        except ValueError:
            assume(False)
        widest = Bound.integer(0)
        for row in parsed:
            for _, b in row:
                widest = widest.widest(b)
        path.append((rows, cols, widest))
        matrices.append(sympy.Matrix([[v for v, _ in row] for row in parsed]))
    try:
        bound, _ = composite_cost(path, budget=10**9)
    except ValueError:
        assume(False)
    product = matrices[0]
    for m in matrices[1:]:
        product = m * product
    for entry in product:
        num, den = _actual(sympy.sympify(entry))
        assert _within(num, bound.num) and _within(den, bound.den)


@pytest.mark.parametrize(
    ("text", "cap", "bases_computed"),
    [("((2**64)**64)**64", "bits", {2}), ("(a*b*c)**30", "degree", set()), ("(a+b+c+d+e+f)**12", "terms", set())],
)
def test_each_cap_is_reached_before_the_power_is_computed(text, cap, bases_computed, monkeypatch):
    computed, power = [], sympy.Expr.__pow__

    def spy(base, exponent):
        computed.append(base)
        return power(base, exponent)

    monkeypatch.setattr(sympy.Expr, "__pow__", spy)
    with pytest.raises(ValueError, match=cap):
        _parse_bounded(text)
    assert set(computed) == bases_computed  # 2**64 is computed; what it is raised to is not
