"""The tracer behind symbolic proofs cannot be defeated silently (issue 13).

A symbolic pass is a proof only if the tracer saw the whole evaluation. Each test here is a
way the state of the process, or the law itself, once hid a branch from it: sympy's memory of
"unknown" answers (left by any earlier, untraced computation on the same symbols; sympy's
cache hands the same expression objects around), a thread the law starts, a branch the law
swallows, and hooks replaced or never put back. Each must give a ``Branched`` or an event,
and the checker must then not call the law proved.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sympy

from catdyn.categories.mat import MatQ
from catdyn.checker import CheckConfig, Law, check_law
from catdyn.checker import trace as tracer
from catdyn.checker.trace import Branched, Generic, hooks_in_place, tracing

SYMBOLIC_ONLY = CheckConfig(engines=("symbolic",))


def _generic_pair() -> tuple[Generic, Generic]:
    return Generic("x", rational=True), Generic("y", rational=True)


def test_questions_about_other_rational_symbols_do_not_hide_a_branch() -> None:
    # the cause of the miss in the full suite's process: sympy shares one table of facts among
    # all symbols declared with the same assumptions, so "unknown" answers cached by any earlier
    # untraced computation on rational symbols answered for every generic symbol made later
    t, s = sympy.symbols("t s", rational=True)
    assert sympy.Matrix([[t, 1], [0, s]]).rank() == 2
    x, y = _generic_pair()
    assert x._assumptions is not t._assumptions and x._assumptions is not y._assumptions
    with pytest.raises(Branched, match="asks whether x is zero"):
        with tracing():
            sympy.Matrix([[x, 1], [0, y]]).rank()


@pytest.mark.parametrize(
    "entries",
    [lambda x, y: [[x, 1], [0, y]], lambda x, y: [[x * y, 1], [0, x + y]]],
    ids=["symbols", "expressions"],
)
def test_an_untraced_computation_first_does_not_hide_the_branch(entries) -> None:
    x, y = _generic_pair()
    assert sympy.Matrix(entries(x, y)).rank() == 2  # untraced: sympy now remembers "unknown"
    with pytest.raises(Branched, match=r"asks whether [xy] is"):
        with tracing():
            sympy.Matrix(entries(x, y)).rank()


def _rank_law(f_instances, rank) -> Law:
    return Law(
        "rank(f) = 2",  # 2 for generic f, not for a singular one: no law of MatQ
        "numeric",
        lambda f: sympy.Matrix([[rank(f.matrix)]]),
        lambda f: sympy.Matrix([[2]]),
        symbolic=f_instances,
    )


def test_symbols_a_spec_asked_about_before_cannot_prove_a_branching_law() -> None:
    V = MatQ.object("V", 2)
    f = MatQ.generic("f", V, V)
    assert f.matrix.rank() == 2  # the spec looks at its symbolic argument first
    result = check_law(_rank_law(lambda: [(f,)], lambda m: m.rank()), SYMBOLIC_ONLY)
    assert result.status != "proved"
    assert any("asks whether f_0_0 is zero" in n for n in result.notes), result.notes


def test_a_branch_in_a_thread_the_law_starts_is_seen() -> None:
    V = MatQ.object("V", 2)

    def rank_in_a_thread(m: sympy.Matrix) -> int:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(m.rank).result()

    result = check_law(_rank_law(lambda: [(MatQ.generic("f", V, V),)], rank_in_a_thread), SYMBOLIC_ONLY)
    assert result.status != "proved"
    assert any("in a thread it does not trace" in n for n in result.notes), result.notes


def test_a_branch_the_law_swallows_still_blocks_the_proof() -> None:
    V = MatQ.object("V", 2)

    def stubborn_rank(m: sympy.Matrix) -> int:
        try:
            return m.rank()
        except BaseException:  # the law under test hides the tracer's stop
            return 2

    result = check_law(_rank_law(lambda: [(MatQ.generic("f", V, V),)], stubborn_rank), SYMBOLIC_ONLY)
    assert result.status != "proved"
    assert any("asks whether f_0_0 is zero" in n for n in result.notes), result.notes


def test_hooks_replaced_while_tracing_are_an_event() -> None:
    x, y = _generic_pair()
    with tracing() as trace:
        sympy.Basic.__eq__ = tracer._ORIGINAL["eq"]  # other code puts sympy's own method back
        _ = x / y
    assert any("replaced the tracer's hooks" in e for e in trace.events), trace.events
    assert not hooks_in_place()  # and the tracer put sympy back as it was


def test_a_user_counted_without_its_hooks_does_not_switch_the_tracer_off() -> None:
    # an install interrupted (a time limit's alarm) after counting its user but before its hooks
    with tracer._lock:
        tracer._users += 1
    try:
        x, y = _generic_pair()
        with tracing() as trace:
            _ = x / y
        assert trace.events == ["divides by y"]
    finally:
        tracer._uninstall()
    assert not hooks_in_place() and tracer._users == 0


def test_untraced_threads_are_not_watched_when_nothing_traces() -> None:
    x, _ = _generic_pair()
    box: dict[str, object] = {}
    worker = threading.Thread(target=lambda: box.setdefault("zero", x.is_zero))
    worker.start()
    worker.join(30)
    assert box == {"zero": None}
