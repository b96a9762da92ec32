"""Every finite limit and colimit in Mat (MatQ exact, MatR within tolerance), through kernels
and cokernels.

In Mat, finite products and coproducts coincide: both are the direct sum. A diagram's objects
``V_1 … V_n`` span ``⊕ V_i``; each morphism ``m: V_i → V_j`` gives one block row of the
*constraint* map ``M: ⊕ V_i → ⊕_m V_cod(m)``, ``x ↦ (m x_i − x_j)_m``.

- **limit** = ``ker M``: a basis ``K`` of it (reduced row echelon form over ℚ, orthonormal from
  the SVD over ℝ), the legs its block rows; the mediating map of a cone ``(P_i: X → V_i)`` is
  the unique ``U`` with ``K U = [P_1; …; P_n]``.
- **colimit** = ``coker N`` for the map ``N: ⊕_m V_dom(m) → ⊕ V_i``, ``y ↦ ι_dom y − ι_cod m y``:
  ``Q = (basis of ker Nᵀ)ᵀ`` has ``ker Q = im N``, the legs are its block columns; the mediating
  map of a cocone ``(L_i: V_i → Y)`` is the unique ``U`` with ``U Q = [L_1 … L_n]``
  (solved as ``Qᵀ Uᵀ = Lᵀ``).

>>> from catdyn.categories.mat import MatQ
>>> from catdyn.diagram import Diagram
>>> A, B = MatQ.object("A", 2), MatQ.object("B", 1)
>>> f = MatQ.matrix("f", A, B, [[1, 1]])
>>> g = MatQ.matrix("g", A, B, [[1, 0]])
>>> E = mat_limit(Diagram("pair", MatQ, [f, g]))
>>> E.apex.dim, E.leg("A").matrix.tolist()
(1, [[1], [0]])
>>> Q = mat_colimit(Diagram("pair", MatQ, [f, g]))
>>> Q.apex.dim
0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from catdyn.diagram import Diagram
from catdyn.errors import FactorError
from catdyn.limits import Colimit, DiagramCocone, DiagramCone, Limit


def _exact(cat: Any) -> bool:
    return not hasattr(cat, "tolerance")


def _blank(cat: Any, rows: int, cols: int) -> Any:
    return sympy.zeros(rows, cols) if _exact(cat) else np.zeros((rows, cols))


def _eye(cat: Any, n: int) -> Any:
    return sympy.eye(n) if _exact(cat) else np.eye(n)


def _freeze(cat: Any, m: Any) -> Any:
    return sympy.ImmutableMatrix(m) if _exact(cat) else np.ascontiguousarray(m)


def _put(m: Any, r0: int, c0: int, block: Any) -> None:
    """Add ``block`` into ``m`` at row ``r0``, column ``c0`` (skipping empty blocks)."""
    rows, cols = block.shape
    if rows and cols:
        m[r0 : r0 + rows, c0 : c0 + cols] = m[r0 : r0 + rows, c0 : c0 + cols] + block


def _offsets(dims: list[int]) -> list[int]:
    return [sum(dims[:i]) for i in range(len(dims))]


def constraint_matrix(diagram: Diagram) -> Any:
    """``M: ⊕ V_i → ⊕_m V_cod(m)`` with block row ``m x_dom − x_cod`` per morphism ``m``.

    >>> from catdyn.categories.mat import MatQ
    >>> A = MatQ.object("A", 1)
    >>> constraint_matrix(Diagram("loop", MatQ, [MatQ.matrix("two", A, A, [[2]])]))
    Matrix([[1]])
    """
    cat = diagram.category
    objects, morphisms = list(diagram.objects), list(diagram.morphisms)
    col_at = dict(zip((o.name for o in objects), _offsets([o.dim for o in objects])))  # type: ignore[attr-defined]
    row_dims = [m.cod.dim for m in morphisms]  # type: ignore[attr-defined]
    M = _blank(cat, sum(row_dims), sum(o.dim for o in objects))  # type: ignore[attr-defined]
    for r0, m in zip(_offsets(row_dims), morphisms):
        _put(M, r0, col_at[m.dom.name], m.matrix)  # type: ignore[attr-defined]
        _put(M, r0, col_at[m.cod.name], -_eye(cat, m.cod.dim))  # type: ignore[attr-defined]
    return _freeze(cat, M)


def mat_limit(diagram: Diagram, kind: str = "limit") -> Limit:
    """The limit of a finite diagram in MatQ or MatR: ``ker M`` (see the module docstring)."""
    from catdyn.categories.mat import LinearMap, VectorSpace

    cat: Any = diagram.category
    objects = list(diagram.objects)
    K = cat._kernel(constraint_matrix(diagram))
    apex = VectorSpace(f"lim {diagram.name}", int(K.shape[1]), cat)
    legs = {}
    for r0, o in zip(_offsets([o.dim for o in objects]), objects):  # type: ignore[attr-defined]
        legs[o.name] = LinearMap(f"π_{o.name}", apex, o, K[r0 : r0 + o.dim, :])  # type: ignore[arg-type,attr-defined]

    def mediate(cone: DiagramCone) -> LinearMap:
        stacked = _stack_rows(cat, [cone.legs[o.name].matrix for o in objects], cone.apex.dim)  # type: ignore[attr-defined]
        u, residual, tolerance = cat._solve_in_basis(K, stacked)
        if residual > tolerance:
            raise FactorError.residual(cone.legs[objects[0].name], cone.legs[objects[-1].name], apex, residual, tolerance)
        return LinearMap(f"⟨cone from {cone.apex.name}⟩", cone.apex, apex, u)  # type: ignore[arg-type]

    return Limit(DiagramCone(diagram, apex, legs), mediate, kind)


def cokernel_source(diagram: Diagram) -> Any:
    """``N: ⊕_m V_dom(m) → ⊕ V_i`` with block column ``ι_dom − ι_cod m`` per morphism ``m``
    (the colimit is its cokernel).

    >>> from catdyn.categories.mat import MatQ
    >>> A = MatQ.object("A", 1)
    >>> cokernel_source(Diagram("loop", MatQ, [MatQ.matrix("two", A, A, [[2]])]))
    Matrix([[-1]])
    """
    cat = diagram.category
    objects, morphisms = list(diagram.objects), list(diagram.morphisms)
    row_at = dict(zip((o.name for o in objects), _offsets([o.dim for o in objects])))  # type: ignore[attr-defined]
    col_dims = [m.dom.dim for m in morphisms]  # type: ignore[attr-defined]
    N = _blank(cat, sum(o.dim for o in objects), sum(col_dims))  # type: ignore[attr-defined]
    for c0, m in zip(_offsets(col_dims), morphisms):
        _put(N, row_at[m.dom.name], c0, _eye(cat, m.dom.dim))  # type: ignore[attr-defined]
        _put(N, row_at[m.cod.name], c0, -m.matrix)  # type: ignore[attr-defined]
    return _freeze(cat, N)


def mat_colimit(diagram: Diagram, kind: str = "colimit") -> Colimit:
    """The colimit of a finite diagram in MatQ or MatR: ``coker N`` (see the module docstring)."""
    from catdyn.categories.mat import LinearMap, VectorSpace

    cat: Any = diagram.category
    objects = list(diagram.objects)
    Qt = cat._kernel(_freeze(cat, cokernel_source(diagram).T))  # columns: a basis of ker Nᵀ
    Q = _freeze(cat, Qt.T)
    apex = VectorSpace(f"colim {diagram.name}", int(Q.shape[0]), cat)
    legs = {}
    for c0, o in zip(_offsets([o.dim for o in objects]), objects):  # type: ignore[attr-defined]
        legs[o.name] = LinearMap(f"ι_{o.name}", o, apex, Q[:, c0 : c0 + o.dim])  # type: ignore[arg-type,attr-defined]

    def mediate(cocone: DiagramCocone) -> LinearMap:
        rows = [_freeze(cat, cocone.legs[o.name].matrix.T) for o in objects]  # type: ignore[attr-defined]
        stacked = _stack_rows(cat, rows, cocone.apex.dim)  # type: ignore[attr-defined]
        u, residual, tolerance = cat._solve_in_basis(Qt, stacked)
        if residual > tolerance:
            raise FactorError.residual(cocone.legs[objects[0].name], cocone.legs[objects[-1].name], apex, residual, tolerance)
        return LinearMap(f"[cocone into {cocone.apex.name}]", apex, cocone.apex, _freeze(cat, u.T))  # type: ignore[arg-type]

    return Colimit(DiagramCocone(diagram, apex, legs), mediate, kind)


def _stack_rows(cat: Any, blocks: list[Any], cols: int) -> Any:
    """Blocks one under another (an empty list gives ``0 × cols``)."""
    if _exact(cat):
        out = sympy.zeros(0, cols)
        for b in blocks:
            out = out.col_join(sympy.Matrix(b))
        return sympy.ImmutableMatrix(out)
    return np.vstack([np.asarray(b, dtype=np.float64) for b in blocks]) if blocks else np.zeros((0, cols))
