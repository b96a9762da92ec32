"""Mat: finite-dimensional vector spaces and matrices, exact over ℚ or with a tolerance over ℝ.

An object is a named space of some dimension; a morphism ``A → B`` is a matrix of shape
``(dim B, dim A)`` acting on column vectors, and ``f >> g`` is the product ``G @ F``. Two
instances share this interface:

- ``MatQ``: entries are sympy numbers, exact rationals or any expression (symbols
  included), stored as ``ImmutableMatrix``; equality is exact, and ``compare`` decides it by
  simplifying the difference, so a law stated on matrices of symbols (:meth:`MatQCategory.generic`)
  is *proved*, not sampled.
- ``MatR``: entries are float64, stored as a read-only numpy array; ``compare`` reports the
  largest absolute difference and calls two matrices equal within ``atol + rtol · scale``.

The pullback of ``F: A → C ← B :G`` is the kernel of ``[F, −G]`` inside ``A ⊕ B``, its
projections the top and bottom blocks of a basis of that kernel. Over ℚ the basis comes from
the reduced row echelon form (exact); over ℝ it is an orthonormal basis from the SVD.

>>> A, B, C = MatQ.object("A", 2), MatQ.object("B", 1), MatQ.object("C", 1)
>>> f = MatQ.matrix("f", A, C, [[1, -1]])
>>> g = MatQ.matrix("g", B, C, [[2]])
>>> (MatQ.identity(A) >> f) == f
True
>>> P = MatQ.pullback(Cospan(f, g))
>>> P.apex.dim, P.cone.commutes().equal
(2, True)
>>> P.left.matrix, P.right.matrix
(Matrix([
[1, 2],
[1, 0]]), Matrix([[0, 1]]))

Laws hold for every matrix when stated on matrices of symbols:

>>> F, G, H = (MatQ.generic(n, A, A) for n in "FGH")
>>> MatQ.compare((F >> G) >> H, F >> (G >> H)).equal
True
"""

from __future__ import annotations

import numbers
from abc import abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from catdyn.category import Category, Comparison, Morphism, Object
from catdyn.errors import DataError, FactorError, ShapeError
from catdyn.limits import Cone, Cospan, Pullback

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

    from catdyn.diagram import Diagram
    from catdyn.limits import Colimit, Limit


@dataclass(frozen=True, eq=False, repr=False)
class VectorSpace(Object):
    """A named vector space of dimension ``dim`` over the field of ``cat`` (ℚ or ℝ).

    >>> V = MatR.object("V", 3)
    >>> V.dim, V.category.name
    (3, 'MatR')
    >>> V == MatQ.object("V", 3)
    False
    """

    name: str
    dim: int
    cat: MatCategory

    def __post_init__(self) -> None:
        if not isinstance(self.dim, (int, np.integer)) or isinstance(self.dim, bool) or self.dim < 0:
            raise ShapeError(
                f"vector space {self.name} has dimension {self.dim!r}",
                "A dimension is a non-negative integer",
            )
        object.__setattr__(self, "dim", int(self.dim))

    @property
    def category(self) -> MatCategory:
        return self.cat

    def _key(self) -> Hashable:
        return (self.name, self.dim, self.cat)


@dataclass(frozen=True, eq=False, repr=False)
class LinearMap(Morphism):
    """A matrix of shape ``(dim cod, dim dom)`` as a morphism ``dom → cod`` (it acts on
    column vectors). The category of ``dom`` checks the data and freezes a copy of it.

    >>> A, B = MatR.object("A", 2), MatR.object("B", 1)
    >>> f = LinearMap("f", A, B, [[0.5, 2.0]])
    >>> f.shape, f.matrix.flags.writeable
    ((1, 2), False)
    """

    name: str
    dom: VectorSpace
    cod: VectorSpace
    matrix: Any

    def __post_init__(self) -> None:
        if self.dom.category != self.cod.category:
            raise DataError.mixed_categories(self.name, self.dom, self.cod)
        object.__setattr__(self, "matrix", self.dom.cat._coerce(self.name, self.dom, self.cod, self.matrix))

    @property
    def category(self) -> MatCategory:
        return self.dom.cat

    @property
    def shape(self) -> tuple[int, int]:
        """``(dim cod, dim dom)``."""
        return (self.cod.dim, self.dom.dim)

    def _data_key(self) -> Hashable:
        return self.dom.cat._data_key(self.matrix)


class MatCategory(Category):
    """What ``MatQ`` and ``MatR`` share: constructors, composition as a matrix product, the
    pullback as a kernel, products, and hypothesis strategies. Subclasses supply the
    arithmetic (how entries are read, compared, and how a kernel is found)."""

    name = "Mat"

    # --- constructors -------------------------------------------------------------------
    def object(self, name: str, dim: int) -> VectorSpace:
        """The vector space ``name`` of dimension ``dim``.

        >>> MatQ.object("A", 2)
        VectorSpace('A')
        """
        return VectorSpace(name, dim, self)

    def matrix(self, name: str, dom: VectorSpace, cod: VectorSpace, entries: Any) -> LinearMap:
        """The morphism ``dom → cod`` given by ``entries``: rows of numbers (a nested list),
        a numpy array or a sympy matrix, of shape ``(dim cod, dim dom)``.

        >>> A, B = MatQ.object("A", 2), MatQ.object("B", 3)
        >>> MatQ.matrix("f", A, B, [[1, 2], [3, 4]])
        Traceback (most recent call last):
        ...
        catdyn.errors.ShapeError: matrix f has shape (2, 2) but a morphism A → B needs shape (3, 2) (rows = dim B, columns = dim A). Transpose it or fix the dimensions of its objects.
        """
        return LinearMap(name, dom, cod, entries)

    def zero_space(self) -> VectorSpace:
        """The zero space ``0`` (terminal and initial).

        >>> MatQ.zero_space().dim
        0
        """
        return VectorSpace("0", 0, self)

    def to_zero(self, obj: VectorSpace) -> LinearMap:
        """The unique map ``obj → 0``.

        >>> MatR.to_zero(MatR.object("A", 2)).shape
        (0, 2)
        """
        return LinearMap(f"!_{obj.name}", obj, self.zero_space(), self._zeros(0, obj.dim))

    # --- structure ----------------------------------------------------------------------
    def identity(self, obj: VectorSpace) -> LinearMap:  # type: ignore[override]
        return LinearMap(f"id_{obj.name}", obj, obj, self._eye(obj.dim))

    def compose(self, f: LinearMap, g: LinearMap) -> LinearMap:  # type: ignore[override]
        return LinearMap(f"{f.name} >> {g.name}", f.dom, g.cod, self._matmul(g.matrix, f.matrix))

    def pullback(self, cospan: Cospan) -> Pullback:
        """The pullback of ``F: A → C ← B :G``: the kernel ``K`` of ``[F, −G]`` in ``A ⊕ B``,
        with projections the top (``dim A`` rows) and bottom blocks of a basis of ``K``. The
        mediating morphism of a cone ``P: X → A, Q: X → B`` is the unique ``U`` with
        ``basis · U = [P; Q]``. (Over ℚ with symbolic entries the kernel is the generic
        one: row reduction takes a nonzero-looking expression as a pivot.)

        >>> A, C = MatR.object("A", 2), MatR.object("C", 1)
        >>> f = MatR.matrix("f", A, C, [[1.0, 1.0]])
        >>> P = MatR.pullback(Cospan(f, f))
        >>> P.apex.dim
        3
        """
        f, g = cospan.left, cospan.right
        A, B = f.dom, g.dom
        block = self._hstack(f.matrix, self._neg(g.matrix))
        basis = self._kernel(block)
        apex = VectorSpace(f"{A.name} ×_{f.cod.name} {B.name}", int(basis.shape[1]), self)
        p = LinearMap(f"π_{A.name}", apex, A, basis[: A.dim, :])
        q = LinearMap(f"π_{B.name}", apex, B, basis[A.dim :, :])

        def mediate(cone: Cone) -> LinearMap:
            stacked = self._vstack(cone.left.matrix, cone.right.matrix)
            u, residual, tolerance = self._solve_in_basis(basis, stacked)
            if residual > tolerance:
                raise FactorError.residual(cone.left, cone.right, apex, residual, tolerance)
            return LinearMap(f"⟨{cone.left.name}, {cone.right.name}⟩", cone.apex, apex, u)

        return Pullback(Cone(cospan, p, q), mediate)

    def limit(self, diagram: Diagram, kind: str = "limit") -> Limit:
        """The limit of a finite diagram: a kernel (see :mod:`catdyn.categories._mat_limits`)."""
        from catdyn.categories._mat_limits import mat_limit

        return mat_limit(diagram, kind)

    def colimit(self, diagram: Diagram, kind: str = "colimit") -> Colimit:
        """The colimit of a finite diagram: a cokernel (see :mod:`catdyn.categories._mat_limits`)."""
        from catdyn.categories._mat_limits import mat_colimit

        return mat_colimit(diagram, kind)

    def product(self, A: VectorSpace, B: VectorSpace) -> Pullback:
        """The product ``A × B = A ⊕ B``: the pullback over the zero space, with projections
        ``[I 0]`` and ``[0 I]``.

        >>> S = MatQ.product(MatQ.object("A", 1), MatQ.object("B", 1))
        >>> S.apex.dim, S.left.matrix.tolist(), S.right.matrix.tolist()
        (2, [[1, 0]], [[0, 1]])
        """
        return self.pullback(Cospan(self.to_zero(A), self.to_zero(B)))

    # --- generation ---------------------------------------------------------------------
    def objects(self, max_dim: int | None = None) -> SearchStrategy[VectorSpace]:  # type: ignore[override]
        """Spaces ``V0 … V{max_dim}`` (dimension 0 included: every hom-set is inhabited); by
        default up to the dimension knob of the check in progress (4 unless set)."""
        from hypothesis import strategies as st

        if max_dim is not None:
            return st.integers(0, max_dim).map(lambda n: VectorSpace(f"V{n}", n, self))

        @st.composite
        def spaces(draw: Any) -> VectorSpace:
            from catdyn.checker.sampling import bounds

            n = draw(st.integers(0, bounds().max_dim))
            return VectorSpace(f"V{n}", n, self)

        return spaces()

    def morphisms(self, dom: VectorSpace, cod: VectorSpace) -> SearchStrategy[LinearMap]:  # type: ignore[override]
        """Matrices ``dom → cod``: degenerate ones as often as ones of random entries — the
        zero matrix, matrices of every lower rank (products of thinner factors), and on square
        shapes identities, projections, scalar matrices and Jordan blocks (a repeated
        eigenvalue that is not diagonalisable).

        >>> from hypothesis import find
        >>> V = MatQ.object("V", 2)
        >>> find(MatQ.morphisms(V, V), lambda f: f.matrix.rank() == 1).matrix.rank()
        1
        """
        from hypothesis import strategies as st

        m, n = cod.dim, dom.dim
        ints = st.integers(-2, 2).map(self._small)

        def grid(entries: Any, rows: int, cols: int) -> Any:
            flat = st.lists(entries, min_size=rows * cols, max_size=rows * cols)
            return flat.map(lambda xs: [xs[i * cols : (i + 1) * cols] for i in range(rows)])

        def build(rows: Any) -> LinearMap:
            return LinearMap("f", dom, cod, rows if m else self._zeros(0, n))

        kinds = [st.just(self._zeros(m, n)).map(lambda z: LinearMap("f", dom, cod, z))]
        if min(m, n) > 1:  # every rank strictly between 0 and full
            low = st.integers(1, min(m, n) - 1).flatmap(
                lambda r: st.tuples(grid(ints, m, r), grid(ints, r, n)).map(
                    lambda ab: LinearMap("f", dom, cod, self._matmul(_as(self, ab[0], m, r), _as(self, ab[1], r, n)))
                )
            )
            kinds.append(low)
        if m == n and n > 0:
            kinds.append(_square_degenerate(self, dom, ints))
        return st.one_of(grid(self._entries(), m, n).map(build), st.one_of(*kinds))

    def sample_features(self, x: Any) -> dict[str, Any]:
        """What the checker reports about drawn spaces and matrices: dimensions, and the
        kind of each matrix (``zero``, ``invertible``, ``singular``, ``full rank`` or
        ``rank-deficient`` for non-square ones, ``empty`` when a dimension is 0).

        >>> A = MatQ.object("A", 2)
        >>> MatQ.sample_features(MatQ.matrix("p", A, A, [[1, 0], [0, 0]]))
        {'matrix kinds': 'singular'}
        """
        if isinstance(x, VectorSpace):
            return {"dimensions": x.dim}
        if isinstance(x, LinearMap):
            return {"matrix kinds": _kind(self, x)}
        return {}

    def _small(self, k: int) -> Any:
        return sympy.Integer(k) if isinstance(self, MatQCategory) else float(k)

    # --- arithmetic, per field ----------------------------------------------------------
    @abstractmethod
    def _coerce(self, name: str, dom: VectorSpace, cod: VectorSpace, data: Any) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _data_key(self, m: Any) -> Hashable:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _eye(self, n: int) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _zeros(self, rows: int, cols: int) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _matmul(self, a: Any, b: Any) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _neg(self, a: Any) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _hstack(self, a: Any, b: Any) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _vstack(self, a: Any, b: Any) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _kernel(self, m: Any) -> Any:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _solve_in_basis(self, basis: Any, rhs: Any) -> tuple[Any, float, float]:
        """Field-specific arithmetic: MatQ and MatR each supply it."""

    @abstractmethod
    def _entries(self) -> SearchStrategy[Any]:
        """Field-specific arithmetic: MatQ and MatR each supply it."""


def _rows(name: str, dom: VectorSpace, cod: VectorSpace, data: Any) -> tuple[tuple[int, int], list[Any]]:
    """Read nested rows, a numpy array or a sympy matrix into (shape, flat row-major entries).

    An empty sequence reads as ``(0, dim dom)``; ragged rows are a shape error.
    """
    if isinstance(data, sympy.MatrixBase):
        return (data.rows, data.cols), list(data)
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ShapeError.matrix(name, tuple(data.shape), dom, cod, (cod.dim, dom.dim))
        return (int(data.shape[0]), int(data.shape[1])), list(data.ravel())
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise ShapeError.matrix(name, (), dom, cod, (cod.dim, dom.dim))
    rows = list(data)
    if not rows:
        return (0, dom.dim), []
    lengths = set()
    flat: list[Any] = []
    for row in rows:
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise ShapeError.matrix(name, (len(rows),), dom, cod, (cod.dim, dom.dim))
        lengths.add(len(row))
        flat.extend(row)
    if len(lengths) != 1:
        raise ShapeError(
            f"matrix {name} has rows of different lengths {sorted(lengths)}",
            f"A morphism {dom.name} → {cod.name} has {cod.dim} rows of {dom.dim} entries each",
        )
    return (len(rows), lengths.pop()), flat


def _as(cat: MatCategory, rows: list[list[Any]], m: int, n: int) -> Any:
    """Nested rows as the category's matrix type (an ``m × n`` matrix, zero-sized allowed)."""
    if isinstance(cat, MatQCategory):
        return sympy.ImmutableMatrix(m, n, [x for row in rows for x in row])
    return np.array(rows, dtype=np.float64).reshape(m, n)


def _square_degenerate(cat: MatCategory, dom: VectorSpace, ints: Any) -> Any:
    """Square matrices with structure: identity, a projection ``diag(1…1, 0…0)``, a scalar
    matrix ``c·I`` and a Jordan block ``c·I + N`` (one repeated eigenvalue)."""
    from hypothesis import strategies as st

    n = dom.dim

    def shaped(kind: str, c: Any, k: int) -> LinearMap:
        rows = [[cat._small(0)] * n for _ in range(n)]
        for i in range(n):
            if kind == "projection":
                rows[i][i] = cat._small(1 if i < k else 0)
            else:
                rows[i][i] = c
                if kind == "jordan" and i + 1 < n:
                    rows[i][i + 1] = cat._small(1)
        return LinearMap("f", dom, dom, _as(cat, rows, n, n))

    return st.tuples(st.sampled_from(["projection", "scalar", "jordan"]), ints, st.integers(0, n)).map(
        lambda t: shaped(*t)
    )


def _kind(cat: MatCategory, f: LinearMap) -> str:
    m, n = f.shape
    if m == 0 or n == 0:
        return "empty"
    if isinstance(cat, MatQCategory):
        if f.matrix.free_symbols:
            return "symbolic"
        zero = all(x == 0 for x in f.matrix)
        rank = _rational_rank(f.matrix) if not zero else 0
    else:
        zero = not np.any(f.matrix)
        rank = int(np.linalg.matrix_rank(f.matrix)) if not zero else 0
    if zero:
        return "zero"
    if m == n:
        return "invertible" if rank == n else "singular"
    return "full rank" if rank == min(m, n) else "rank-deficient"


def _rational_rank(matrix: Any) -> int:
    """The rank of a matrix of rationals by Gaussian elimination over ``Fraction``."""
    rows = [[Fraction(int(x.p), int(x.q)) for x in matrix.row(i)] for i in range(matrix.rows)]
    rank, cols = 0, matrix.cols
    for c in range(cols):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][c] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][c] != 0:
                k = rows[r][c] / rows[rank][c]
                rows[r] = [a - k * b for a, b in zip(rows[r], rows[rank])]
        rank += 1
    return rank


class MatQCategory(MatCategory):
    """Matrices with exact entries: rationals, or any sympy expression (use the instance
    ``MatQ``). Floats are refused: write ``Fraction(1, 10)`` or ``"0.1"`` for one tenth.

    >>> A = MatQ.object("A", 2)
    >>> h = MatQ.matrix("h", A, A, [["1/2", 0], [Fraction(1, 3), sympy.Symbol("t")]])
    >>> (h >> h).matrix
    Matrix([
    [      1/4,    0],
    [t/3 + 1/6, t**2]])
    """

    name = "MatQ"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def generic(self, name: str, dom: VectorSpace, cod: VectorSpace) -> LinearMap:
        """The matrix of independent symbols ``name_i_j`` (each a
        :class:`~catdyn.checker.trace.Generic` rational): a law that holds for it holds for
        every matrix of that shape *when its evaluation is traced and found to use ring
        operations only* (see :mod:`catdyn.checker.trace`).

        >>> MatQ.generic("F", MatQ.object("A", 2), MatQ.object("B", 1)).matrix
        Matrix([[F_0_0, F_0_1]])
        """
        from catdyn.checker.trace import Generic

        entries = [[Generic(f"{name}_{i}_{j}", rational=True) for j in range(dom.dim)] for i in range(cod.dim)]
        return LinearMap(name, dom, cod, entries)

    def compare(self, f: Morphism, g: Morphism) -> Comparison:
        """Exact equality, deciding symbolic entries by simplifying the difference
        (``residual`` is 0.0 when equal, 1.0 when not).

        >>> x = sympy.Symbol("x")
        >>> A = MatQ.object("A", 1)
        >>> a, b = MatQ.matrix("a", A, A, [[(x + 1) ** 2]]), MatQ.matrix("b", A, A, [[x**2 + 2*x + 1]])
        >>> a == b, MatQ.compare(a, b).equal
        (False, True)
        """
        if f.dom != g.dom or f.cod != g.cod:
            return Comparison(False, 1.0, exact=True)
        same = all(_is_zero(d) for d in (f.matrix - g.matrix))  # type: ignore[attr-defined]
        return Comparison(same, 0.0 if same else 1.0, exact=True)

    def _coerce(self, name: str, dom: VectorSpace, cod: VectorSpace, data: Any) -> sympy.ImmutableMatrix:
        shape, flat = _rows(name, dom, cod, data)
        if shape != (cod.dim, dom.dim):
            raise ShapeError.matrix(name, shape, dom, cod, (cod.dim, dom.dim))
        cols = max(shape[1], 1)
        entries = [_exact(name, x, divmod(k, cols), self) for k, x in enumerate(flat)]
        return sympy.ImmutableMatrix(shape[0], shape[1], entries)

    def _data_key(self, m: sympy.ImmutableMatrix) -> Hashable:
        return m

    def _eye(self, n: int) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix.eye(n)

    def _zeros(self, rows: int, cols: int) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix.zeros(rows, cols)

    def _matmul(self, a: sympy.ImmutableMatrix, b: sympy.ImmutableMatrix) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix(a * b)

    def _neg(self, a: sympy.ImmutableMatrix) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix(-a)

    def _hstack(self, a: sympy.ImmutableMatrix, b: sympy.ImmutableMatrix) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix(a.row_join(b))

    def _vstack(self, a: sympy.ImmutableMatrix, b: sympy.ImmutableMatrix) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix(a.col_join(b))

    def _kernel(self, m: sympy.ImmutableMatrix) -> sympy.ImmutableMatrix:
        """A basis of ``ker m`` from its reduced row echelon form: one column per free
        variable, 1 at that variable, 0 at the other free ones."""
        n = m.cols
        reduced, pivots = m.rref() if m.rows else (m, ())
        free = [j for j in range(n) if j not in pivots]
        basis = sympy.zeros(n, len(free))
        for k, j in enumerate(free):
            basis[j, k] = 1
            for i, pj in enumerate(pivots):
                basis[pj, k] = -reduced[i, j]
        return sympy.ImmutableMatrix(basis)

    def _solve_in_basis(
        self, basis: sympy.ImmutableMatrix, rhs: sympy.ImmutableMatrix
    ) -> tuple[sympy.ImmutableMatrix, float, float]:
        # the columns of the basis are independent, so KᵀK is invertible and the normal
        # equations give the only candidate U; it is the answer exactly when K U = rhs
        if basis.cols == 0:
            u = sympy.ImmutableMatrix.zeros(0, rhs.cols)
        else:
            u = sympy.ImmutableMatrix((basis.T * basis).LUsolve(basis.T * rhs))
        ok = all(_is_zero(d) for d in (basis * u - rhs))
        return u, 0.0 if ok else 1.0, 0.0

    def _entries(self) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        return st.fractions(min_value=-3, max_value=3, max_denominator=3).map(
            lambda q: sympy.Rational(q.numerator, q.denominator)
        )


def _exact(name: str, x: Any, position: tuple[int, int], category: Any) -> sympy.Expr:
    """One entry as an exact sympy expression (never a float, never ``eval`` of a string)."""
    if isinstance(x, (bool, np.bool_)):
        raise DataError.not_a_number(name, x, position, category)
    if isinstance(x, (float, np.floating)):
        raise DataError.inexact_entry(name, x, position, category)
    if isinstance(x, (int, np.integer)):
        return sympy.Integer(int(x))
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    if isinstance(x, str):
        try:
            return sympy.Rational(x.strip())
        except (TypeError, ValueError):
            raise DataError.not_a_number(name, x, position, category) from None
    if isinstance(x, sympy.Basic):
        if isinstance(x, sympy.MatrixBase) or not isinstance(x, sympy.Expr):
            raise DataError.not_a_number(name, x, position, category)
        if x.has(sympy.Float):
            raise DataError.inexact_entry(name, x, position, category)
        return x
    if isinstance(x, numbers.Rational):
        return sympy.Rational(int(x.numerator), int(x.denominator))
    raise DataError.not_a_number(name, x, position, category)


def _is_zero(d: sympy.Expr) -> bool:
    """Exactly zero: cheap tests first, then expansion; a rational function of the symbols is
    zero exactly when the expanded numerator of its sum over a common denominator is (a
    decision, not a heuristic, and far cheaper than ``simplify``, which could spend minutes
    on a large non-zero polynomial); anything else (roots, functions) goes to ``simplify``.

    >>> x = sympy.Symbol("x")
    >>> _is_zero((x + 1) ** 2 - x**2 - 2 * x - 1), _is_zero(1 / (x - 1) - 1 / (x + 1) - 2 / (x**2 - 1))
    (True, True)
    >>> _is_zero((x + 1) ** 2 - x**2), _is_zero(sympy.sin(x) ** 2 + sympy.cos(x) ** 2 - 1)
    (False, True)
    """
    if d == 0:
        return True
    if d.is_number and d.is_rational:
        return False
    d = sympy.expand(d)
    if d == 0:
        return True
    if d.is_polynomial():  # an expanded polynomial that is not 0 is not the zero function
        return False
    if d.is_rational_function():
        return sympy.expand(sympy.numer(sympy.together(d))) == 0
    return sympy.simplify(d) == 0


class MatRCategory(MatCategory):
    """Matrices of float64 numbers, equal within ``atol + rtol · scale`` where ``scale`` is
    the largest absolute entry of either side (use the instance ``MatR``, or make one with
    your own tolerance; two instances with the same tolerance are the same category).

    >>> loose = MatRCategory(atol=1e-3)
    >>> A = loose.object("A", 1)
    >>> c = loose.compare(loose.matrix("a", A, A, [[1.0]]), loose.matrix("b", A, A, [[1.0005]]))
    >>> c.equal, round(c.residual, 4), c.exact
    (True, 0.0005, False)
    """

    def __init__(self, atol: float = 1e-9, rtol: float = 1e-9) -> None:
        if not (atol >= 0 and rtol >= 0):
            raise DataError(f"MatR tolerances must be non-negative, got atol={atol!r}, rtol={rtol!r}")
        self.atol = float(atol)
        self.rtol = float(rtol)
        default = self.atol == 1e-9 and self.rtol == 1e-9
        self.name = "MatR" if default else f"MatR(atol={self.atol:g}, rtol={self.rtol:g})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.atol, self.rtol) == (other.atol, other.rtol)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.atol, self.rtol))

    def tolerance(self, scale: float) -> float:
        """The largest difference still called equal for numbers of size ``scale``.

        >>> f"{MatR.tolerance(1000.0):.4g}"
        '1.001e-06'
        """
        return self.atol + self.rtol * float(scale)

    def compare(self, f: Morphism, g: Morphism) -> Comparison:
        """Equal within tolerance; ``residual`` is the largest absolute entry difference.

        >>> A = MatR.object("A", 2)
        >>> a = MatR.matrix("a", A, A, [[1.0, 0.0], [0.0, 1.0]])
        >>> MatR.compare(a, MatR.identity(A))
        Comparison(equal=True, residual=0.0, exact=False)
        """
        if f.dom != g.dom or f.cod != g.cod:
            return Comparison(False, float("inf"), exact=False)
        a, b = f.matrix, g.matrix  # type: ignore[attr-defined]
        if a.size == 0:
            return Comparison(True, 0.0, exact=False)
        residual = float(np.max(np.abs(a - b)))
        scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
        return Comparison(residual <= self.tolerance(scale), residual, exact=False)

    def _coerce(self, name: str, dom: VectorSpace, cod: VectorSpace, data: Any) -> np.ndarray:
        if isinstance(data, sympy.MatrixBase):
            if data.free_symbols:
                raise DataError(
                    f"matrix {name} has symbols {sorted(map(str, data.free_symbols))} but MatR holds numbers",
                    "Substitute values for the symbols, or use MatQ",
                )
            data = np.array(data.evalf().tolist(), dtype=np.float64).reshape(data.shape)
        try:
            arr = np.array(data, dtype=np.float64)
        except (TypeError, ValueError):
            # a ragged or malformed input: say which row or entry is at fault
            shape, flat = _rows(name, dom, cod, data)
            for k, x in enumerate(flat):
                try:
                    float(x)
                except (TypeError, ValueError):
                    raise DataError.not_a_number(name, x, divmod(k, max(shape[1], 1)), self) from None
            raise
        if arr.ndim == 1 and arr.size == 0:
            arr = arr.reshape(0, dom.dim)
        if arr.ndim != 2 or arr.shape != (cod.dim, dom.dim):
            raise ShapeError.matrix(name, tuple(arr.shape), dom, cod, (cod.dim, dom.dim))
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        if bad:
            raise DataError.not_finite("matrix", name, bad)
        arr = arr + 0.0  # a fresh copy, with -0.0 turned into 0.0 so equal data hashes alike
        arr.setflags(write=False)
        return arr

    def _data_key(self, m: np.ndarray) -> Hashable:
        return (m.shape, m.tobytes())

    def _eye(self, n: int) -> np.ndarray:
        return np.eye(n)

    def _zeros(self, rows: int, cols: int) -> np.ndarray:
        return np.zeros((rows, cols))

    def _matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a @ b

    def _neg(self, a: np.ndarray) -> np.ndarray:
        return -a

    def _hstack(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.hstack([a, b])

    def _vstack(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.vstack([a, b])

    def _kernel(self, m: np.ndarray) -> np.ndarray:
        """An orthonormal basis of the null space of ``m``: the right singular vectors whose
        singular values are at most ``tolerance(largest singular value)``."""
        rows, n = m.shape
        if n == 0:
            return np.zeros((0, 0))
        if rows == 0:
            return np.eye(n)
        _, s, vt = np.linalg.svd(m, full_matrices=True)
        cut = self.tolerance(float(s[0]) if s.size else 0.0)
        rank = int(np.count_nonzero(s > cut))
        return np.ascontiguousarray(vt[rank:].T)

    def _solve_in_basis(self, basis: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, float, float]:
        # least squares against an orthonormal basis is the projection basisᵀ · rhs
        u = basis.T @ rhs
        if rhs.size == 0:
            return u, 0.0, 0.0
        residual = float(np.max(np.abs(basis @ u - rhs)))
        return u, residual, self.tolerance(float(np.max(np.abs(rhs))))

    def _entries(self) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        return st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


MatQ = MatQCategory()
"""Matrices over the rationals (and sympy expressions): exact."""

MatR = MatRCategory()
"""Matrices over the reals (float64), equal within atol = rtol = 1e-9."""
