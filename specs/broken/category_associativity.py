"""PLANTED VIOLATION — a one-object "category" whose composition is not associative.

The morphisms of ``Skew`` are the integers mod 7 and ``f >> g = f + g + f·g·(f − g)``. 0 is a
two-sided identity (both identity laws hold), but composition is not associative:
(1 >> 1) >> 2 = 4 while 1 >> (1 >> 2) = 2. Expected: ``associativity`` refuted by
exhaustive enumeration (7³ triples), the identity laws proved.
"""

from dataclasses import dataclass

from catdyn.category import Category, Morphism, Object


@dataclass(frozen=True, eq=False, repr=False)
class Point(Object):
    name: str = "•"

    @property
    def category(self):
        return Skew

    def _key(self):
        return (self.name,)


@dataclass(frozen=True, eq=False, repr=False)
class Residue(Morphism):
    name: str
    dom: Point
    cod: Point
    value: int

    @property
    def category(self):
        return Skew

    def _data_key(self):
        return self.value % 7


class SkewCategory(Category):
    name = "Skew"

    def identity(self, obj):
        return Residue("0", obj, obj, 0)

    def compose(self, f, g):
        a, b = f.value, g.value
        value = (a + b + a * b * (a - b)) % 7
        return Residue(str(value), f.dom, g.cod, value)  # named by its value, so it shows

    def objects(self):
        from hypothesis import strategies as st

        return st.just(POINT)

    def morphisms(self, dom, cod):
        from hypothesis import strategies as st

        return st.integers(0, 6).map(lambda v: Residue(str(v), dom, cod, v))

    def enumerate_objects(self):
        return iter([POINT])

    def hom(self, dom, cod):
        return (Residue(str(v), dom, cod, v) for v in range(7))


Skew = SkewCategory()
POINT = Point()
