"""The category Learn: the paper's composition rule on a hand-worked example, identities and
associativity at sample points (learners are functions, compared where they are evaluated)."""

import pytest

from catdyn.categories.learn import Learn, Learner, Para, ParaMap, Space
from catdyn.errors import CompositionError

R = Space("R", ())


def affine(name: str) -> Learner:
    """I(p, a) = p·a, with a hand-written gradient step (ε = 1/2) and request for e = ½(x − y)²."""
    return Learner(
        name,
        R,
        R,
        lambda p, a: p * a,
        lambda p, a, b: p - 0.5 * (p * a - b) * a,
        lambda p, a, b: a - (p * a - b) * p,
    )


def test_composition_follows_the_papers_rule_by_hand():
    f, g = affine("f"), affine("g")
    fg = f >> g
    p, q, a, c = 2.0, 3.0, 1.0, 4.0
    b = p * a  # 2
    wanted = b - (q * b - c) * q  # g's request: 2 - (6 - 4)·3 = -4
    assert fg.implement((p, q), a) == q * b == 6.0
    assert fg.update((p, q), a, c) == (p - 0.5 * (p * a - wanted) * a, q - 0.5 * (q * b - c) * b)
    assert fg.request((p, q), a, c) == a - (p * a - wanted) * p


def test_identities_and_associativity_at_sample_points():
    f, g, h = affine("f"), affine("g"), affine("h")
    ident = Learn.identity(R)
    for p, a, c in [(2.0, 1.0, 4.0), (-1.0, 0.5, 3.0), (0.0, 2.0, -1.0)]:
        left, right = ident >> f, f >> ident
        assert left.implement(((), p), a) == right.implement((p, ()), a) == f.implement(p, a)
        assert left.update(((), p), a, c) == ((), f.update(p, a, c))
        assert right.update((p, ()), a, c) == (f.update(p, a, c), ())
        assert left.request(((), p), a, c) == right.request((p, ()), a, c) == f.request(p, a, c)
        one, two = (f >> g) >> h, f >> (g >> h)
        pq = ((p, p + 1), p + 2)
        flat = (p, (p + 1, p + 2))
        assert one.implement(pq, a) == two.implement(flat, a)
        u1, u2 = one.update(pq, a, c), two.update(flat, a, c)
        assert (u1[0][0], u1[0][1], u1[1]) == (u2[0], u2[1][0], u2[1][1])
        assert one.request(pq, a, c) == two.request(flat, a, c)


def test_para_composes_parameters_side_by_side_and_checks_ends():
    scale = ParaMap("scale", R, R, lambda p, a: p * a)
    shift = ParaMap("shift", R, R, lambda p, a: p + a)
    both = scale >> shift
    assert both.implement((2, 5), 3) == 11
    assert [g.name for g in (both >> scale).generators] == ["scale", "shift", "scale"]
    assert (Para.identity(R) >> scale).implement(((), 4), 2) == 8
    with pytest.raises(CompositionError, match="ends at S"):
        ParaMap("f", R, Space("S", (2,)), lambda p, a: a) >> scale
