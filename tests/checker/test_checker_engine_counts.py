"""What each engine reports, counted against the law's own record of its evaluations.

Every law here counts the calls of its left side, so ``examples`` (how many argument tuples
were evaluated before the verdict, the failing one excluded) and ``residual`` (the largest
residual among them) are checked against a count kept outside the engines. Also pinned: the
``max_cases`` boundary of the exhaustive engine (exactly ``max_cases`` cases prove, one more
gives way with a note), the verdict kind and wording of each engine, the boundary cases of
the sampler, a symbolic proof that does not cover every case (sampled on, so ``held``), and
the order in which the engines are tried.
"""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

from catdyn.checker.engines import run_engines
from catdyn.checker.law import CheckConfig, Law, approx


class Counted:
    """Sides of the law ``x = f(x)``; ``bad`` are the arguments where the right side is off by
    ``off``; every evaluation of the left side is recorded."""

    def __init__(self, bad=(), off=1, raises=()):
        self.bad, self.off, self.raises = set(bad), off, set(raises)
        self.seen: list = []

    def lhs(self, x):
        self.seen.append(x)
        if x in self.raises:
            raise ValueError(f"no value at {x}")
        return x

    def rhs(self, x):
        return x + self.off if x in self.bad else x


def law(c: Counted, **kw) -> Law:
    return Law("x = x", "numeric", c.lhs, c.rhs, **kw)


# --- exhaustive ------------------------------------------------------------------------
def test_exhaustive_proves_with_every_case_counted():
    c = Counted()
    r = run_engines(law(c, enumerate=lambda: [(i,) for i in range(7)]), CheckConfig())
    assert (r.status, r.engine, r.comparison) == ("proved", "exhaustive", "exact")
    assert r.examples == len(c.seen) == 7
    assert r.residual == 0.0


def test_exhaustive_with_tolerance_holds_and_keeps_largest_residual():
    # sides differ by 1e-4·x at x = 0 … 4 (within atol 1e-3): held, never proved
    lhs = lambda x: float(x)  # noqa: E731
    rhs = lambda x: float(x) + 1e-4 * x  # noqa: E731
    r = run_engines(
        Law(
            "near",
            "numeric",
            lhs,
            rhs,
            enumerate=lambda: [(i,) for i in range(5)],
            compare=approx(atol=1e-3, rtol=0),
        ),
        CheckConfig(),
    )
    assert (r.status, r.engine, r.comparison) == ("held", "exhaustive", "tolerance")
    assert r.examples == 5
    assert abs(r.residual - 4e-4) < 1e-12


def test_exhaustive_refutes_at_first_failure_with_cases_before_it():
    c = Counted(bad={4, 6}, off=3)
    r = run_engines(law(c, enumerate=lambda: [(i,) for i in range(10)], argnames=("x",)), CheckConfig())
    assert (r.status, r.engine, r.comparison) == ("refuted", "exhaustive", "exact")
    assert c.seen == [0, 1, 2, 3, 4]  # stopped at the first failure
    assert r.examples == 4  # the four that held
    assert r.counterexample.arguments == (("x", "4"),)
    assert (r.counterexample.lhs, r.counterexample.rhs) == ("4", "7")
    assert r.residual == 1.0 == r.counterexample.residual
    assert r.counterexample.detail == ""  # numbers: no element-wise detail


def test_exhaustive_exactly_max_cases_is_a_proof():
    c = Counted()
    r = run_engines(law(c, enumerate=lambda: [(i,) for i in range(5)]), CheckConfig(max_cases=5))
    assert (r.status, r.engine, r.examples) == ("proved", "exhaustive", 5)


def test_exhaustive_one_more_than_max_cases_gives_way_with_a_note():
    c = Counted()
    cases = [(i,) for i in range(6)]
    only = run_engines(law(c, enumerate=lambda: cases), CheckConfig(max_cases=5, engines=("exhaustive",)))
    assert only.status == "error" and only.engine == "none"
    assert only.error.type == "Undecided"
    assert "engines tried: exhaustive" in only.error.message
    assert "more than 5 cases to enumerate: sampled instead" in only.notes
    assert c.seen == [0, 1, 2, 3, 4]  # the sixth case is never evaluated
    # with sampling allowed, the sampler decides
    c2 = Counted()
    r = run_engines(
        law(c2, enumerate=lambda: cases, arguments=st.integers(0, 5).map(lambda x: (x,))),
        CheckConfig(max_cases=5, examples=10, seed=0),
    )
    assert (r.status, r.engine) == ("held", "hypothesis")
    assert "more than 5 cases to enumerate: sampled instead" in r.notes


def test_exhaustive_failure_before_the_cap_still_refutes():
    c = Counted(bad={2})
    r = run_engines(law(c, enumerate=lambda: [(i,) for i in range(100)]), CheckConfig(max_cases=5))
    assert (r.status, r.engine, r.examples) == ("refuted", "exhaustive", 2)


def test_exhaustive_error_names_the_arguments_and_counts_nothing_after():
    c = Counted(raises={3})
    r = run_engines(law(c, enumerate=lambda: [(i,) for i in range(6)], argnames=("x",)), CheckConfig())
    assert (r.status, r.engine) == ("error", "exhaustive")
    assert r.error.type == "ValueError" and r.error.message == "no value at 3"
    assert r.error.arguments == (("x", "3"),)
    assert c.seen == [0, 1, 2, 3]


def test_enumeration_that_raises_is_an_error_without_arguments():
    def boom():
        raise RuntimeError("cannot list")

    r = run_engines(law(Counted(), enumerate=boom), CheckConfig())
    assert (r.status, r.engine, r.error.type, r.error.arguments) == (
        "error",
        "exhaustive",
        "RuntimeError",
        (),
    )


def test_unnamed_arguments_are_numbered_after_the_named_ones():
    two = Law(
        "a + b = b + a",
        "numeric",
        lambda a, b: a - b,
        lambda a, b: b - a,
        enumerate=lambda: [(2, 1)],
        argnames=("a",),
    )
    r = run_engines(two, CheckConfig())
    assert r.status == "refuted"
    assert r.counterexample.arguments == (("a", "2"), ("arg1", "1"))


# --- hypothesis ------------------------------------------------------------------------
def test_sampled_held_counts_every_evaluation():
    c = Counted()
    r = run_engines(
        law(c, arguments=st.integers(-(10**6), 10**6).map(lambda x: (x,))), CheckConfig(examples=30, seed=3)
    )
    assert (r.status, r.engine, r.comparison) == ("held", "hypothesis", "exact")
    assert r.examples == len(c.seen)
    assert 0 < r.examples <= 30


def test_sampled_refutation_counts_the_passes_before_the_first_failure():
    c = Counted(bad=set(range(50, 10**4)))
    r = run_engines(
        law(c, arguments=st.integers(0, 10**4).map(lambda x: (x,)), argnames=("x",)),
        CheckConfig(examples=200, seed=5),
    )
    assert (r.status, r.engine) == ("refuted", "hypothesis")
    first = next(i for i, x in enumerate(c.seen) if x in c.bad)
    assert r.examples == first
    # shrunk to the smallest failing argument
    assert r.counterexample.arguments == (("x", "50"),)
    assert r.residual == 1.0


def test_boundary_cases_are_counted_before_drawing():
    c = Counted()
    r = run_engines(
        law(c, arguments=st.integers(100, 10**6).map(lambda x: (x,)), boundary=lambda: [(0,), (1,), (2,)]),
        CheckConfig(examples=10, seed=1),
    )
    assert r.status == "held"
    assert c.seen[:3] == [0, 1, 2]
    assert r.examples == len(c.seen) >= 4


def test_boundary_failure_refutes_before_any_draw():
    c = Counted(bad={1})
    r = run_engines(
        law(
            c,
            arguments=st.integers(100, 200).map(lambda x: (x,)),
            boundary=lambda: [(0,), (1,), (2,)],
            argnames=("x",),
        ),
        CheckConfig(examples=10, seed=1),
    )
    assert (r.status, r.engine, r.examples) == ("refuted", "hypothesis", 1)
    assert c.seen == [0, 1]
    assert r.counterexample.arguments == (("x", "1"),)


def test_boundary_error_keeps_the_count_and_arguments():
    c = Counted(raises={2})
    r = run_engines(
        law(
            c,
            arguments=st.integers(100, 200).map(lambda x: (x,)),
            boundary=lambda: [(0,), (1,), (2,)],
            argnames=("x",),
        ),
        CheckConfig(examples=10, seed=1),
    )
    assert (r.status, r.engine, r.examples) == ("error", "hypothesis", 2)
    assert r.error.arguments == (("x", "2"),)


def test_nothing_generated_is_an_error():
    r = run_engines(law(Counted(), arguments=st.nothing()), CheckConfig(examples=10, seed=0))
    assert (r.status, r.engine, r.error.type) == ("error", "hypothesis", "Unsatisfiable")


def test_sampled_with_tolerance_is_held_by_tolerance():
    lhs = lambda x: float(x)  # noqa: E731
    rhs = lambda x: float(x) + 1e-5  # noqa: E731
    r = run_engines(
        Law(
            "near",
            "numeric",
            lhs,
            rhs,
            arguments=st.integers(0, 100).map(lambda x: (x,)),
            compare=approx(atol=1e-3, rtol=0),
        ),
        CheckConfig(examples=10, seed=0),
    )
    assert (r.status, r.comparison) == ("held", "tolerance")
    assert abs(r.residual - 1e-5) < 1e-9


# --- symbolic and the order of engines -----------------------------------------------------
x, y = sympy.symbols("x y")


def test_symbolic_proof_counts_instances_and_covering_all_stays_proved():
    sq = Law(
        "square",
        "numeric",
        lambda a: (a + 1) ** 2,
        lambda a: a**2 + 2 * a + 1,
        symbolic=lambda: [(x,), (y,), (x + y,)],
    )
    r = run_engines(sq, CheckConfig())
    assert (r.status, r.engine, r.examples) == ("proved", "symbolic", 3)


def test_symbolic_proof_not_covering_all_is_sampled_on_and_held():
    c = Counted()
    sq = Law(
        "square",
        "numeric",
        lambda a: (a + 1) ** 2,
        lambda a: a**2 + 2 * a + 1,
        symbolic=lambda: [(x,), (y,)],
        symbolic_covers_all=False,
        arguments=st.integers(0, 10**6).map(lambda v: (c.lhs(v),)),
    )
    r = run_engines(sq, CheckConfig(examples=12, seed=2))
    assert (r.status, r.engine) == ("held", "symbolic")
    assert r.examples == 2 + len(c.seen)
    # without sampling allowed, still only held
    r2 = run_engines(sq, CheckConfig(engines=("symbolic",)))
    assert (r2.status, r2.examples) == ("held", 2)


def test_symbolic_proof_not_covering_all_is_refuted_by_sampling():
    # true at the symbolic instance only by the instances' choice: the sampler finds x = 7
    sym = Law(
        "odd",
        "numeric",
        lambda a: a,
        lambda a: a if not isinstance(a, int) or a != 7 else 8,
        symbolic=lambda: [(x,)],
        symbolic_covers_all=False,
        arguments=st.just((7,)),
    )
    r = run_engines(sym, CheckConfig(examples=5, seed=0))
    assert (r.status, r.engine) == ("refuted", "hypothesis")


def test_empty_symbolic_instances_decide_nothing():
    c = Counted()
    r = run_engines(
        law(c, symbolic=lambda: [], arguments=st.integers(0, 9).map(lambda v: (v,))),
        CheckConfig(examples=5, seed=0),
    )
    assert r.engine == "hypothesis"


def test_exhaustive_is_tried_before_symbolic_and_engines_can_be_left_out():
    sq = Law(
        "square",
        "numeric",
        lambda a: (a + 1) ** 2,
        lambda a: a**2 + 2 * a + 1,
        symbolic=lambda: [(x,)],
        enumerate=lambda: [(1,), (2,)],
    )
    assert run_engines(sq, CheckConfig()).engine == "exhaustive"
    assert run_engines(sq, CheckConfig(engines=("symbolic", "hypothesis"))).engine == "symbolic"


# --- time limit and the refutation's detail ---------------------------------------------------
def test_a_law_over_its_time_limit_is_an_error_naming_engine_and_count():
    import time as _time

    def slow(x):
        if x == 2:
            _time.sleep(5)
        return x

    r = run_engines(
        Law("slow", "numeric", slow, lambda x: x, enumerate=lambda: [(0,), (1,), (2,), (3,)]),
        CheckConfig(timeout=0.5),
    )
    assert (r.status, r.engine, r.error.type) == ("error", "exhaustive", "Timeout")
    assert "in the exhaustive engine (3 argument tuple(s) evaluated)" in r.error.message
    assert r.seconds < 4


def test_detail_counts_every_differing_element_and_shows_six():
    from catdyn.categories.finset import FinSet

    A = FinSet.object("A", 8)
    f = FinSet.function("f", A, A, list(range(8)))
    g = FinSet.function("g", A, A, [(i + 1) % 8 for i in range(8)])
    r = run_engines(Law("f = g", "category", lambda: f, lambda: g, enumerate=lambda: [()]), CheckConfig())
    assert r.status == "refuted"
    detail = r.counterexample.detail
    assert detail.startswith("differ at 8 element(s): ")
    shown = detail.split(": ", 1)[1].split(", ")
    assert shown == [f"{i}: {i} ≠ {(i + 1) % 8}" for i in range(6)]


def test_symbolic_refutation_counts_the_instances_proved_before_it():
    # (a + b)² = a² + b holds at b = 0 and fails at b = 1 (lhs − rhs = 2a)
    law_ = Law(
        "sq",
        "numeric",
        lambda a, b: (a + b) ** 2,
        lambda a, b: a**2 + b,
        symbolic=lambda: [(x, 0), (x, 1), (x, 2)],
        argnames=("a", "b"),
    )
    r = run_engines(law_, CheckConfig())
    assert (r.status, r.engine, r.examples) == ("refuted", "symbolic", 1)
    shown = dict(r.counterexample.arguments)
    a = sympy.Integer(int(shown["a"]))
    assert shown["b"] == "1"
    assert (a + 1) ** 2 != a**2 + 1  # the concrete arguments shown do fail
    assert r.counterexample.detail.startswith("lhs − rhs ≠ 0 at value: 2*x")


def test_a_symbolic_witness_that_holds_concretely_is_sampled_instead():
    # the left side differs only while its argument is a symbol: no concrete failure
    def lhs(a):
        return a**2 if getattr(a, "free_symbols", None) else a

    law_ = Law(
        "sym only",
        "numeric",
        lhs,
        lambda a: a,
        symbolic=lambda: [(x,)],
        arguments=st.integers(-5, 5).map(lambda v: (v,)),
    )
    r = run_engines(law_, CheckConfig(examples=10, seed=0))
    assert (r.status, r.engine) == ("held", "hypothesis")
    assert any(n.startswith("symbolic witness (lhs − rhs ≠ 0 at value: x**2 - x") for n in r.notes), r.notes
    assert any(n.endswith("did not fail at concrete arguments; sampled instead") for n in r.notes)


def test_a_symbolic_identity_needing_simplification_beyond_expansion_is_proved():
    # sin² + cos² − 1 does not vanish by expansion; simplifying shows it is 0 (x a plain
    # parameter, not a generic symbol: no polynomial condition on it)
    law_ = Law(
        "pythagoras",
        "numeric",
        lambda a: sympy.sin(a) ** 2 + sympy.cos(a) ** 2,
        lambda a: sympy.Integer(1),
        symbolic=lambda: [(x,)],
        arguments=st.just((x,)),
    )
    r = run_engines(law_, CheckConfig(examples=3, seed=0))
    assert (r.status, r.engine, r.examples) == ("proved", "symbolic", 1)


def test_symbolic_arguments_that_cannot_be_built_are_an_error_of_the_symbolic_engine():
    def broken():
        raise RuntimeError("no generic matrices here")

    r = run_engines(law(Counted(), symbolic=broken, arguments=st.just((1,))), CheckConfig(examples=3, seed=0))
    assert (r.status, r.engine, r.error.type, r.error.message) == (
        "error",
        "symbolic",
        "RuntimeError",
        "no generic matrices here",
    )
    assert r.error.arguments == ()


def test_symbolic_detail_shows_four_differing_entries():
    from catdyn.categories.mat import MatQ

    A = MatQ.object("A", 3)
    law_ = Law(
        "f >> f = f", "category", lambda f: f >> f, lambda f: f, symbolic=lambda: [(MatQ.generic("f", A, A),)]
    )
    r = run_engines(law_, CheckConfig())
    assert (r.status, r.engine) == ("refuted", "symbolic")
    shown = r.counterexample.detail.split(" (e.g. ")[0].removeprefix("lhs − rhs ≠ 0 at ").split("; ")
    # f·f − f is non-zero in all nine entries of a generic 3 × 3 matrix; four are shown, row by row
    assert [s.split(":")[0] for s in shown] == ["[0, 0]", "[0, 1]", "[0, 2]", "[1, 0]"]


def test_a_law_branching_on_a_symbolic_value_is_sampled_with_a_note():
    from catdyn.categories.mat import MatQ

    A = MatQ.object("A", 2)

    def rank_or_zero(f):  # branches on the rank of a generic matrix (sympy asks "is x zero?")
        return f if sympy.Matrix(f.matrix).rank() == 2 else MatQ.matrix("0", A, A, [[0, 0], [0, 0]])

    law_ = Law("branch", "category", rank_or_zero, lambda f: f, symbolic=lambda: [(MatQ.generic("f", A, A),)])
    r = run_engines(law_, CheckConfig(engines=("symbolic",)))
    assert (r.status, r.engine) == ("error", "none")  # no proof, and nothing else may run
    assert any(n.startswith("symbolic pass is no proof: the law asks whether") for n in r.notes), r.notes
    assert any(n.endswith("(a branch on a symbolic value); sampled instead") for n in r.notes)


def test_boundary_cases_compare_the_sides_in_the_laws_order():
    # approx is relative to the right side: |1 − 2| ≤ 0.6·|2| holds, |2 − 1| ≤ 0.6·|1| does not
    close = approx(rtol=0.6, atol=0.0)
    assert close(1.0, 2.0).equal and not close(2.0, 1.0).equal
    for lhs, rhs, status in [(1.0, 2.0, "held"), (2.0, 1.0, "refuted")]:
        law_ = Law(
            "rel",
            "numeric",
            lambda b, lhs=lhs: lhs if b else 0.0,
            lambda b, rhs=rhs: rhs if b else 0.0,
            arguments=st.just((False,)),
            boundary=lambda: [(True,)],
            compare=close,
        )
        r = run_engines(law_, CheckConfig(examples=3, seed=0))
        assert (r.status, r.engine) == (status, "hypothesis")
