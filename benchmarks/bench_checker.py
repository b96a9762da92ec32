"""The law checker: sampling a FinSet functor's suite, and proving a 6×6 Mat functor.

Two absolute goals (issue 3): the functor suite (identities and composition) of a FinSet
functor at 200 hypothesis examples a law in under 1 s, and the symbolic proof of both functor
laws of a functor on 6×6 matrices (MatQ, matrices of 36 independent symbols) in under 1 s.
Each run also checks that the verdicts are the expected ones (held / proved).

Issue 13 widened sampling (sets of 0–8 elements instead of 1–4, degenerate matrices, cones
as large as the apex) and traces every symbolic pass. The FinSet suite is therefore timed
side by side: at the old range (``max_size=4``, the baseline column) and at the default
(``max_size=8``, the goal's figure); the ratio shows what the wider range costs (a ratio
below 1 is a slowdown). The 6×6 proof is timed with tracing on, as the checker runs it.
"""

from __future__ import annotations

import numpy as np
import sympy

from benchmarks.harness import Result, best_time
from catdyn import Functor
from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ
from catdyn.checker import CheckConfig, check_laws, functor_laws


def _maybe() -> Functor:
    def obj(X):  # type: ignore[no-untyped-def]
        return FinSet.object(f"{X.name}+1", X.size + 1)

    def mor(f):  # type: ignore[no-untyped-def]
        return FinSet.function(f"{f.name}+1", obj(f.dom), obj(f.cod), np.append(f.table, f.cod.size))

    return Functor("Maybe", FinSet, FinSet, obj, mor)


def _twice() -> Functor:
    def obj(V):  # type: ignore[no-untyped-def]
        return MatQ.object(f"{V.name}⊕{V.name}", 2 * V.dim)

    def mor(f):  # type: ignore[no-untyped-def]
        m = sympy.Matrix(f.matrix)
        return MatQ.matrix(f"{f.name}⊕{f.name}", obj(f.dom), obj(f.cod), sympy.diag(m, m))

    return Functor("Twice", MatQ, MatQ, obj, mor)


def run(quick: bool = False) -> list[Result]:
    """Time both checks; see the module docstring."""
    examples = 50 if quick else 200
    laws = functor_laws(_maybe())
    sampling = CheckConfig(examples=examples, seed=0, engines=("hypothesis",))
    old_range = CheckConfig(examples=examples, seed=0, engines=("hypothesis",), max_size=4)
    results = check_laws(laws, sampling)
    verdicts = [r.status for r in results]
    drawn = [dict(r.drawn).get("set sizes", "") for r in results]
    t_sample = best_time(lambda: check_laws(laws, sampling), repeat=3)
    t_old = best_time(lambda: check_laws(laws, old_range), repeat=3)

    dim = 3 if quick else 6
    V = MatQ.object("V", dim)
    proof_laws = functor_laws(_twice(), objects=[V])
    symbolic = CheckConfig(engines=("symbolic",))
    proofs = [r.status for r in check_laws(proof_laws, symbolic)]
    t_proof = best_time(lambda: check_laws(proof_laws, symbolic), repeat=3)

    return [
        Result(
            f"FinSet functor suite, {examples} examples/law, sets of 0–8",
            t_old,
            t_sample,
            "< 1 s",
            t_sample < 1.0 and verdicts == ["held", "held"],
            baseline="same suite, sets of 0–4",
            extra={"verdicts": verdicts, "laws": len(laws), "set sizes drawn": drawn},
        ),
        Result(
            f"symbolic proof, {dim}×{dim} Mat functor",
            None,
            t_proof,
            "< 1 s",
            t_proof < 1.0 and proofs == ["proved", "proved"],
            extra={"verdicts": proofs},
        ),
    ]
