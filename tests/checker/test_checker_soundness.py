"""Issue 13: "proved" is never wrong, "held" could have found the bug, and what was not
looked at is said. Symbolic tracing, degenerate and wider sampling, cones, discovery,
counterexample data, time limits, streaming, Ctrl-C and the JSON stream."""

import json
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import find

from catdyn import Cospan, Functor
from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatR
from catdyn.categories.perm import Perm
from catdyn.checker import CheckConfig, Law, check_law, check_laws, functor_laws
from catdyn.checker.discovery import discover_all
from catdyn.checker.report import check_paths, check_spec
from catdyn.checker.sampling import Bounds, sampling
from catdyn.checker.show import describe_argument
from catdyn.checker.suites import _cones_for
from catdyn.cli import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "specs" / "broken"
SEEDED = CheckConfig(examples=100, seed=0)
SYMBOLIC_ONLY = CheckConfig(engines=("symbolic",))
V2 = MatQ.object("V", 2)


def _functor(name, fn):
    return Functor(name, MatQ, MatQ, lambda V: V, lambda f: MatQ.matrix(f"{name}({f.name})", f.dom, f.cod, fn(f)))


def _pinv_t(f):
    m = sympy.Matrix(f.matrix)
    return m.pinv().T if m.rows and m.cols else m


# --- the symbolic engine proves only traced ring arithmetic ------------------------------------
def test_the_issues_pinv_counterexample_is_refuted_and_never_proved():
    PinvT = _functor("PinvT", _pinv_t)
    _, comp = functor_laws(PinvT, objects=[V2])
    symbolic = check_law(comp, SYMBOLIC_ONLY)
    assert symbolic.status != "proved"  # the symbolic pass saw the branch and gave way
    assert any("branch on a symbolic value" in n for n in symbolic.notes)
    r = check_law(comp, SEEDED)
    assert (r.status, r.engine) == ("refuted", "hypothesis")
    # the issue's own pair, checked against numpy's pseudo-inverse as an independent reference
    f = MatQ.matrix("f", V2, V2, [[1, 0], [0, 0]])
    g = MatQ.matrix("g", V2, V2, [[1, 1], [0, 1]])
    at_pair = Law("at the pair", "functor", comp.lhs, comp.rhs, enumerate=lambda: [(f, g)], argnames=("f", "g"))
    r = check_law(at_pair)
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    F, G = np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 1.0]])
    lhs = np.linalg.pinv(G @ F).T
    rhs = np.linalg.pinv(G).T @ np.linalg.pinv(F).T
    assert not np.allclose(lhs, rhs)
    assert np.allclose(np.array(sympy.Matrix(PinvT(f >> g).matrix), dtype=float), lhs)


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("entry test", lambda f: f.matrix if f.matrix.shape[0] == 0 or f.matrix[0, 0] != 0 else 2 * f.matrix),
        ("truth test", lambda f: f.matrix if f.matrix.shape[0] == 0 or f.matrix.det() else 3 * f.matrix),
        ("division", lambda f: f.matrix.applyfunc(lambda x: x * x / x)),
        ("absolute value", lambda f: f.matrix.applyfunc(sympy.Abs)),
    ],
)
def test_branches_divisions_and_functions_of_symbols_are_not_proofs(name, fn):
    F = _functor(name, fn)
    composition = functor_laws(F, objects=[V2])[1]  # the law over matrices of symbols
    r = check_law(composition, SYMBOLIC_ONLY)
    assert r.status != "proved", (name, r.notes)
    assert (r.notes and "no proof" in r.notes[0]) or "raised" in r.notes[0]


def test_branching_functors_are_refuted_by_degenerate_samples():
    # wrong exactly where an entry or the determinant is zero: generic symbols never are
    on_entry = _functor("E", lambda f: f.matrix if f.matrix[0, 0] != 0 else 2 * f.matrix)
    assert check_laws(functor_laws(on_entry, objects=[V2]), SEEDED)[1].status == "refuted"
    division = _functor("D", lambda f: f.matrix.applyfunc(lambda x: x * x / x))  # 0·0/0 is nan
    assert check_laws(functor_laws(division, objects=[V2]), SEEDED)[0].status == "refuted"


def test_ring_arithmetic_is_still_proved():
    twice = Functor(
        "Twice",
        MatQ,
        MatQ,
        lambda V: MatQ.object(f"{V.name}²", 2 * V.dim),
        lambda f: MatQ.matrix(
            "ff",
            MatQ.object(f"{f.dom.name}²", 2 * f.dom.dim),
            MatQ.object(f"{f.cod.name}²", 2 * f.cod.dim),
            sympy.diag(f.matrix, f.matrix),
        ),
    )
    V3 = MatQ.object("V", 3)
    assert [r.status for r in check_laws(functor_laws(twice, objects=[V2, V3]), SYMBOLIC_ONLY)] == ["proved"] * 2
    det_square = Law(
        "det(F)·det(F) = det(F·F)",
        "numeric",
        lambda f: f.matrix.det() ** 2,
        lambda f: (f >> f).matrix.det(),
        symbolic=lambda: [(MatQ.generic("f", V3, V3),)],
    )
    assert check_law(det_square, SYMBOLIC_ONLY).status == "proved"


def test_sympys_own_canonicalisation_is_not_a_branch_but_row_reduction_is():
    from catdyn.checker import category_laws
    from catdyn.checker.trace import Branched, Generic, tracing

    listed = [MatQ.object("A", 1), MatQ.object("B", 2)]
    assert [r.status for r in check_laws(category_laws(MatQ, objects=listed), SYMBOLIC_ONLY)] == ["proved"] * 3
    x, y = Generic("x", rational=True), Generic("y", rational=True)
    with pytest.raises(Branched):
        with tracing():
            sympy.Matrix([[x, 1], [0, y]]).rank()  # 2 for symbols, 1 at x = 0 or y = 0


def test_a_symbolic_refutation_shows_concrete_arguments():
    r = check_spec(BROKEN / "mat_symbolic_only.py", SEEDED)
    (comp,) = [x for x in r.results if x.law == "preserves composition"]
    assert (comp.status, comp.engine) == ("refuted", "symbolic")
    shown = " ".join(v for _, v in comp.counterexample.arguments)
    assert "Matrix([[" in shown and "_0_0" not in shown  # numbers, not symbols


# --- sampling draws degenerate matrices, the empty set, larger sets -----------------------------
@pytest.mark.parametrize("cat", [MatQ, MatR])
def test_matrices_of_every_rank_and_repeated_eigenvalues_are_drawn(cat):
    V3 = cat.object("V", 3)

    def rank(f):
        return int(np.linalg.matrix_rank(np.array(sympy.Matrix(f.matrix), dtype=float)))

    for r in range(4):
        found = find(cat.morphisms(V3, V3), lambda f, r=r: rank(f) == r)
        assert rank(found) == r
    jordan = find(
        cat.morphisms(V3, V3),
        lambda f: (
            rank(f) == 3
            and len({round(complex(e).real, 6) for e in np.linalg.eigvals(np.array(sympy.Matrix(f.matrix), dtype=float))})
            == 1
            and not np.allclose(np.array(sympy.Matrix(f.matrix), dtype=float), np.diag(np.diag(np.array(sympy.Matrix(f.matrix), dtype=float))))
        ),
    )
    assert jordan is not None


def test_matrix_kinds_agree_with_numpy():
    A, B = MatQ.object("A", 2), MatQ.object("B", 3)
    for entries, dom, cod in [([[0, 0], [0, 0]], A, A), ([[1, 2], [2, 4]], A, A), ([[1, 2], [3, 4]], A, A),
                              ([[1, 2], [2, 4], [0, 0]], A, B), ([[1, 0], [0, 1], [1, 1]], A, B)]:
        kind = MatQ.sample_features(MatQ.matrix("m", dom, cod, entries))["matrix kinds"]
        m = np.array(entries, dtype=float)
        r = int(np.linalg.matrix_rank(m))
        expected = "zero" if r == 0 else ("invertible" if r == 2 else "singular") if m.shape[0] == m.shape[1] else (
            "full rank" if r == min(m.shape) else "rank-deficient")
        assert kind == expected, entries


def test_finset_draws_the_empty_set_and_up_to_the_size_knob():
    assert find(FinSet.objects(), lambda X: X.size == 0).size == 0
    assert find(FinSet.objects(), lambda X: X.size == 8).size == 8
    with pytest.raises(Exception):  # noqa: B017 - hypothesis's NoSuchExample
        find(FinSet.objects(), lambda X: X.size > 8)
    with sampling(Bounds(max_size=12)):
        assert find(FinSet.objects(), lambda X: X.size == 12).size == 12
        chain = find(FinSet.composable(2), lambda c: c[0].dom.size == 0 and c[1].cod.size == 11)
    assert chain[0].cod.size >= 0 and chain[1].cod.size == 11


def test_the_report_says_which_sizes_were_drawn_and_the_knob_moves_them():
    law = functor_laws(Functor.identity(FinSet))[1]
    r = check_law(law, CheckConfig(examples=200, seed=0))
    assert dict(r.drawn)["set sizes"] == "0–8"
    r = check_law(law, CheckConfig(examples=100, seed=0, max_size=3))
    assert dict(r.drawn)["set sizes"] == "0–3"


def test_cones_are_drawn_as_large_as_the_apex_and_empty():
    Z6, Z2 = FinSet.object("Z6", 6), FinSet.object("Z2", 2)
    parity = FinSet.function("parity", Z6, Z2, [n % 2 for n in range(6)])
    pb = FinSet.pullback(Cospan(parity, parity))  # 18 elements
    cones = _cones_for(pb)
    assert find(cones.strategy(), lambda c: c[0].apex.size >= pb.apex.size)[0].apex.size == pb.apex.size
    boundary = [c.apex.size for (c,) in cones.boundary()()]
    assert boundary[0] == 0 and max(boundary) == pb.apex.size
    A, C = MatQ.object("A", 3), MatQ.object("C", 1)
    f = MatQ.matrix("f", A, C, [[1, 1, 1]])
    mpb = MatQ.pullback(Cospan(f, f))  # dimension 5
    mcones = _cones_for(mpb)
    assert find(mcones.strategy(), lambda c: c[0].apex.dim >= mpb.apex.dim)[0].apex.dim == mpb.apex.dim
    assert next(c.apex.dim for (c,) in mcones.boundary()()) == 0


def test_a_factor_wrong_only_on_large_cones_is_refuted():
    r = {x.law: x for x in check_spec(BROKEN / "pullback_factor_large_cones.py", SEEDED).results}
    assert r["every cone factors"].status == "refuted"
    assert r["every cone factors"].counterexample.arguments[0][1].count("↦") >= 2 * 4
    assert r["square commutes"].status == r["factorisation is unique"].status == "proved"


# --- discovery finds what it can and lists the rest ---------------------------------------------
def test_discovery_looks_inside_if_try_and_lists_and_lists_what_it_skips():
    found = discover_all(BROKEN / "discovery_hidden.py")
    names = [c.name for c in found.found]
    assert names == ["Collapse_if", "Collapse_try", "functors[0]", "functors[1]"]
    skipped = {s.name: s for s in found.skipped}
    assert skipped["plain"].line == 35 and "no equations" in skipped["plain"].reason
    assert skipped["_Hidden"].line == 37 and "private" in skipped["_Hidden"].reason
    assert "imported" in skipped["FinSet"].reason


def test_discovery_reports_dead_branches_loops_dicts_and_unseen_bindings(tmp_path):
    spec = tmp_path / "odd.py"
    spec.write_text(
        textwrap.dedent(
            """
            from catdyn import Functor
            from catdyn.categories.finset import FinSet
            if False:
                Never = Functor.identity(FinSet)
            for k in range(2):
                Last = Functor.identity(FinSet)
            table = {"id": Functor.identity(FinSet), "n": 3}
            globals()["Sneaky"] = Functor.identity(FinSet)
            """
        )
    )
    found = discover_all(spec)
    assert [c.name for c in found.found] == ["Last", "table['id']"]
    reasons = {s.name: (s.line, s.reason) for s in found.skipped}
    assert reasons["Never"][0] == 5 and "did not run" in reasons["Never"][1]
    assert "loop" in reasons["Last"][1]
    assert reasons["table['n']"] == (8, "a int, not a checkable thing")
    assert reasons["Sneaky"][0] == 0 and "without an assignment" in reasons["Sneaky"][1]


def test_not_checked_appears_in_text_and_json(capsys):
    code = main(["check", str(BROKEN / "discovery_hidden.py"), "--examples", "20", "--seed", "0"])
    out = capsys.readouterr().out
    assert code == 1 and "not checked:" in out and "plain (line 35)" in out
    code = main(["check", str(BROKEN / "discovery_hidden.py"), "--examples", "20", "--seed", "0", "--json"])
    doc = json.loads(capsys.readouterr().out)
    (spec,) = doc["specs"]
    assert {"name": "plain", "line": 35} == {k: spec["not_checked"][0][k] for k in ("name", "line")}
    assert doc["summary"]["not_checked"] == len(spec["not_checked"])


# --- counterexamples show the data ---------------------------------------------------------------
def test_counterexamples_label_drawn_morphisms_by_their_argument_and_show_their_data():
    r = {x.law: x for x in check_spec(BROKEN / "functor_composition.py", SEEDED).results}["preserves composition"]
    (_, f), (_, g) = r.counterexample.arguments
    assert f.startswith("f: S1 → ") and g.startswith("g: S") and "↦" in g
    swap = Perm.element(Perm.group(3), [1, 0, 2])  # drawn elements are all named σ
    assert describe_argument("tau", swap) == "tau: S(3) → S(3) [[1, 0, 2]]"

    @dataclass(frozen=True, eq=False, repr=False)
    class Shuffle(type(swap)):  # a morphism of another category: its own fields are shown
        note: str = "demo"

    shown = describe_argument("s", Shuffle("σ", swap.dom, swap.cod, swap.perms))
    assert "[[1, 0, 2]]" in shown


# --- time limits, streaming, interruption, the JSON stream ---------------------------------------
def _forever(x):
    while True:
        time.sleep(0.01)


def test_a_law_that_never_ends_is_stopped_with_the_time():
    slow = Law("loops", "numeric", _forever, lambda x: x, enumerate=lambda: [(1,)])
    t0 = time.perf_counter()
    r = check_law(slow, CheckConfig(timeout=0.3))
    assert time.perf_counter() - t0 < 5
    assert r.status == "error" and r.error.type == "Timeout" and "0.3 s" in r.error.message
    box = {}  # outside the main thread the law is abandoned instead
    worker = threading.Thread(target=lambda: box.setdefault("r", check_law(slow, CheckConfig(timeout=0.3))))
    worker.start()
    worker.join(10)
    assert box["r"].status == "error" and box["r"].error.type == "Timeout"


def _spec(tmp_path, body, name="spec.py"):
    spec = tmp_path / name
    spec.write_text(textwrap.dedent(body))
    return spec


def test_timeout_option_streams_and_goes_on_to_the_next_law(capsys, tmp_path):
    spec = _spec(
        tmp_path,
        """
        import time
        from catdyn.checker import Law

        def forever(x):
            while True:
                time.sleep(0.01)

        slow = Law("loops", "numeric", forever, lambda x: x, enumerate=lambda: [(1,)])
        quick = Law("x = x", "numeric", lambda x: x, lambda x: x, enumerate=lambda: [(1,)])
        """,
    )
    streamed = []
    check_paths([spec], CheckConfig(timeout=0.3), on_result=lambda path, r: streamed.append(r.status))
    assert streamed == ["error", "proved"]
    code = main(["check", str(spec), "--timeout", "0.3"])
    out = capsys.readouterr().out
    assert code == 1 and "! error: slow — loops" in out and "Timeout: no verdict within 0.3 s" in out
    assert out.index("slow — loops") < out.index("quick — x = x") < out.index("1 proved")


def test_ctrl_c_prints_what_was_checked_and_exits_130(capsys, tmp_path):
    spec = _spec(
        tmp_path,
        """
        from catdyn.checker import Law

        def interrupt(x):
            raise KeyboardInterrupt

        first = Law("x = x", "numeric", lambda x: x, lambda x: x, enumerate=lambda: [(1,)])
        second = Law("stops", "numeric", interrupt, lambda x: x, enumerate=lambda: [(1,)])
        """,
    )
    assert main(["check", str(spec)]) == 130
    out = capsys.readouterr().out
    assert "proved: first — x = x" in out and "1 proved" in out and "interrupted (exit 130" in out
    assert main(["check", str(spec), "--json"]) == 130
    doc = json.loads(capsys.readouterr().out)
    assert doc["interrupted"] is True and doc["exit_code"] == 130 and doc["summary"]["proved"] == 1


def test_json_stdout_holds_only_the_document(capsys, tmp_path):
    spec = _spec(
        tmp_path,
        """
        from catdyn.checker import Law
        print("hello from the spec")
        same = Law("x = x", "numeric", lambda x: (print("and from a law"), x)[1], lambda x: x,
                   enumerate=lambda: [(1,)])
        """,
    )
    assert main(["check", str(spec), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"]["proved"] == 1
    assert "hello from the spec" in captured.err and "and from a law" in captured.err


def test_json_into_a_closed_pipe_ends_without_a_traceback():
    catdyn = Path(sys.executable).with_name("catdyn")
    spec = BROKEN / "square_one_element.py"
    done = subprocess.run(
        f"'{catdyn}' check '{spec}' --json | head -c 20 >/dev/null",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
