"""Upper bounds on the size of a rational function, known before it is computed.

A JSON diagram's symbolic entries (see :mod:`catdyn.serialise`) and the composites of its
equations are rational functions of named symbols with rational coefficients. Their size is
what an attacker controls: ``((2**64)**64)**64`` is 41 bytes of text and 2**(64**3) as a
number; ``(a+b+c+d+e+1)**64`` is a short power whose expansion (what the law checker does
when it compares two matrices) has billions of terms. So every intermediate result is given
a bound *from the bounds of its operands*, before sympy computes it, and refused when the
bound is over a cap:

* a polynomial is bounded by ``terms`` (monomials once expanded), ``degree`` (total degree)
  and ``bits`` (the bit length of its largest coefficient);
* a rational function by a bound on its numerator and one on its denominator, as if every sum
  were put over a common denominator (which is what deciding ``lhs = rhs`` may do).

The bounds are upper bounds: sympy keeps products and powers unexpanded and collects like
terms, so what it stores is smaller; what the checker may expand is not larger.

>>> x = Bound.symbol()
>>> (x.plus(Bound.integer(1))).power(3).num  # (x + 1)**3: 4 terms, degree 3, coefficients below 2**9
PolyBound(terms=4, degree=3, bits=9)
>>> Bound.integer(2).power(64).power(64).over_cap()
'a numerator with a coefficient of 8192 bits (the cap is 1024)'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

MAX_TERMS = 1000
"""The most monomials an entry (or the numerator or denominator of one) may have once expanded."""
MAX_DEGREE = 64
"""The largest total degree of an entry's numerator or denominator."""
MAX_BITS = 1024
"""The largest bit length of a coefficient of an intermediate result."""


@dataclass(frozen=True)
class PolyBound:
    """At most ``terms`` monomials of total degree at most ``degree``, coefficients of at most
    ``bits`` bits.

    >>> PolyBound(2, 1, 1).times(PolyBound(2, 1, 1))  # (a + b)(c + d)
    PolyBound(terms=4, degree=2, bits=3)
    """

    terms: int
    degree: int
    bits: int

    def times(self, other: PolyBound) -> PolyBound:
        if self == ONE:
            return other
        if other == ONE:
            return self
        # a coefficient of the product is a sum of at most min(terms) products of coefficients
        carry = (min(self.terms, other.terms) - 1).bit_length()
        return PolyBound(self.terms * other.terms, self.degree + other.degree, self.bits + other.bits + carry)

    def plus(self, other: PolyBound) -> PolyBound:
        terms = 1 if self.degree == other.degree == 0 else self.terms + other.terms  # numbers add up to one
        return PolyBound(terms, max(self.degree, other.degree), max(self.bits, other.bits) + 1)

    def power(self, e: int) -> PolyBound:
        """The bound of the ``e``-th power (``e >= 0``): a multinomial expansion has at most
        ``C(terms + e - 1, e)`` monomials, each coefficient at most ``terms**e`` times a
        product of ``e`` coefficients."""
        if e == 0 or self == ONE:
            return ONE
        return PolyBound(
            comb(self.terms + e - 1, e), self.degree * e, self.bits * e + e * (self.terms - 1).bit_length()
        )

    def widest(self, other: PolyBound) -> PolyBound:
        return PolyBound(max(self.terms, other.terms), max(self.degree, other.degree), max(self.bits, other.bits))

    def over_cap(self) -> str | None:
        if self.bits > MAX_BITS:
            return f"a coefficient of {self.bits} bits (the cap is {MAX_BITS})"
        if self.degree > MAX_DEGREE:
            return f"degree {self.degree} (the cap is {MAX_DEGREE})"
        if self.terms > MAX_TERMS:
            return f"{self.terms} terms once expanded (the cap is {MAX_TERMS})"
        return None


ONE = PolyBound(1, 0, 1)
"""The bound of the constant 1 (and of every denominator of a polynomial)."""


@dataclass(frozen=True)
class Bound:
    """A bound on a rational function: its numerator's and its denominator's.

    >>> Bound.integer(3).divide(Bound.symbol())  # 3/x
    Bound(num=PolyBound(terms=1, degree=0, bits=2), den=PolyBound(terms=1, degree=1, bits=1))
    """

    num: PolyBound
    den: PolyBound = ONE

    @classmethod
    def integer(cls, k: int) -> Bound:
        return cls(PolyBound(1, 0, max(abs(k).bit_length(), 1)))

    @classmethod
    def symbol(cls) -> Bound:
        return cls(PolyBound(1, 1, 1))

    def plus(self, other: Bound) -> Bound:
        if self.den == ONE and other.den == ONE:
            return Bound(self.num.plus(other.num))
        return Bound(self.num.times(other.den).plus(other.num.times(self.den)), self.den.times(other.den))

    def times(self, other: Bound) -> Bound:
        return Bound(self.num.times(other.num), self.den.times(other.den))

    def divide(self, other: Bound) -> Bound:
        return Bound(self.num.times(other.den), self.den.times(other.num))

    def power(self, e: int) -> Bound:
        return Bound(self.num.power(e), self.den.power(e))

    def widest(self, other: Bound) -> Bound:
        return Bound(self.num.widest(other.num), self.den.widest(other.den))

    def over_cap(self) -> str | None:
        """Why this bound is over a cap (``None`` when it is within every cap)."""
        num, den = self.num.over_cap(), self.den.over_cap()
        if num is not None:
            return f"a numerator with {num}"
        return None if den is None else f"a denominator with {den}"

    @property
    def size(self) -> int:
        """Monomials of numerator times those of the denominator: the unit of :func:`composite_cost`."""
        return self.num.terms * self.den.terms


MAX_WORK = 20_000
"""The most products of monomials that building and comparing a document's composites may
take (counted by :func:`composite_cost`; a product of two numbers counts 1/32: sympy multiplies
numbers about that much faster than it expands products of sums)."""
_NUMBER_PRODUCTS_PER_UNIT = 32


def composite_cost(path: Sequence[tuple[int, int, Bound]], budget: int = MAX_WORK) -> tuple[Bound, int]:
    """The entry bound of the composite of a path of matrices, each ``(rows, cols, bound of its
    entries)`` in the order they are applied, and the work it takes: expanding the first
    matrix's entries (``rows · cols · size``), then for each product ``rows · inner · cols``
    entry products of ``size × size`` monomial products each. Raises :class:`ValueError` as
    soon as the work passes ``budget`` or an entry a cap (before anything is computed).

    >>> e = Bound.symbol()
    >>> bound, work = composite_cost([(2, 2, e), (2, 2, e), (2, 2, e)])  # three 2x2 matrices of symbols
    >>> bound.num, work
    (PolyBound(terms=4, degree=3, bits=5), 28)
    """
    rows, cols, acc = path[0]
    work = rows * cols * acc.size
    for g_rows, _, g in path[1:]:
        inner = rows  # the composite so far has ``rows`` rows: g's columns
        products = g_rows * inner * cols
        symbolic = g.num.degree or g.den.degree or acc.num.degree or acc.den.degree
        work += products * g.size * acc.size if symbolic else -(-products // _NUMBER_PRODUCTS_PER_UNIT)
        if work > budget:
            raise ValueError(f"composing it takes more than {budget} products of monomials (the cap)")
        product = g.times(acc)
        total = product
        for _ in range(inner - 1):  # a sum of ``inner`` products; stops at the first cap passed
            total = total.plus(product)
            _refuse_over_cap(total)
        _refuse_over_cap(total)
        rows, acc = g_rows, total
    if work > budget:
        raise ValueError(f"expanding it takes more than {budget} products of monomials (the cap)")
    return acc, work


def difference_cost(rows: int, cols: int, lhs: Bound, rhs: Bound) -> int:
    """The work of deciding ``lhs = rhs`` entrywise: over a common denominator, the numerator
    ``lhs.num · rhs.den − rhs.num · lhs.den`` (and the denominators' product) expanded.

    >>> difference_cost(2, 2, Bound.symbol(), Bound.integer(1))  # x - 1, four times
    12
    """
    return rows * cols * (lhs.num.terms * rhs.den.terms + rhs.num.terms * lhs.den.terms + lhs.den.terms * rhs.den.terms)


def _refuse_over_cap(bound: Bound) -> None:
    reason = bound.over_cap()
    if reason is not None:
        raise ValueError(f"an intermediate result would have {reason}")
