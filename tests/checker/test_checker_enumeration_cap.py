"""A hom-set of exactly ``MAX_ENUMERATION`` morphisms is enumerated; one more is sampled.

``MAX_ENUMERATION`` is documented as the most argument tuples a suite enumerates before it
leaves a law to sampling, so a category whose only hom-set has exactly that many morphisms must
have its identity laws decided by the exhaustive engine (every morphism checked: a single bad
one is found wherever it lies), and one with a morphism more must not. The category here is
the cyclic group Z/n seen as a one-object category (morphisms are the turns 0 … n−1, composed
by addition mod n): a category by construction, so the identity laws hold, and the number of
cases is n. One variant breaks ``id >> f = f`` at a single turn in the middle of the hom-set,
which only an enumeration can be sure to find.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import strategies as st

from catdyn.category import Category, Morphism, Object
from catdyn.checker import CheckConfig, category_laws, check_laws
from catdyn.checker.suites import MAX_ENUMERATION


@dataclass(frozen=True, eq=False)
class _Point(Object):
    name: str
    owner: Category

    @property
    def category(self) -> Category:
        return self.owner

    def _key(self) -> tuple[str, int]:
        return (self.name, id(self.owner))


@dataclass(frozen=True, eq=False)
class _Turn(Morphism):
    name: str
    dom: Object
    cod: Object
    k: int
    owner: Category

    @property
    def category(self) -> Category:
        return self.owner

    def _data_key(self) -> int:
        return self.k


class _Cyclic(Category):
    """Z/n as a one-object category; ``bad``: a turn that ``id >> turn`` gets wrong."""

    def __init__(self, n: int, bad: int | None = None) -> None:
        self.n, self.bad = n, bad
        self.name = f"Z/{n}"
        self.point = _Point("*", self)

    def turn(self, k: int) -> _Turn:
        return _Turn(f"t{k}", self.point, self.point, k % self.n, self)

    def identity(self, obj: Object) -> Morphism:
        return self.turn(0)

    def compose(self, f: Morphism, g: Morphism) -> Morphism:
        k = (f.k + g.k) % self.n  # type: ignore[attr-defined]
        if f.k == 0 and g.k == self.bad:  # type: ignore[attr-defined]
            k = (k + 1) % self.n  # the planted violation: id >> t_bad = t_(bad+1)
        return self.turn(k)

    def objects(self) -> st.SearchStrategy[Object]:
        return st.just(self.point)

    def morphisms(self, dom: Object, cod: Object) -> st.SearchStrategy[Morphism]:
        return st.integers(0, self.n - 1).map(self.turn)

    def enumerate_objects(self) -> Iterator[Object]:
        yield self.point

    def hom(self, dom: Object, cod: Object) -> Iterator[Morphism]:
        return (self.turn(k) for k in range(self.n))


def _left_identity(cat: _Cyclic):
    law = next(x for x in category_laws(cat) if x.name == "left identity")
    return check_laws([law], CheckConfig(examples=50, seed=0))[0]


def test_a_hom_set_of_exactly_the_cap_is_enumerated() -> None:
    result = _left_identity(_Cyclic(MAX_ENUMERATION))
    assert (result.status, result.engine) == ("proved", "exhaustive"), result
    assert result.examples == MAX_ENUMERATION  # every turn, once


def test_one_morphism_more_is_left_to_sampling() -> None:
    result = _left_identity(_Cyclic(MAX_ENUMERATION + 1))
    assert result.engine == "hypothesis", result
    assert result.status == "held"
    assert result.examples <= 50


@pytest.mark.parametrize("bad", [0, MAX_ENUMERATION // 2 + 7, MAX_ENUMERATION - 1])
def test_a_single_bad_morphism_in_a_hom_set_of_the_cap_is_found(bad: int) -> None:
    result = _left_identity(_Cyclic(MAX_ENUMERATION, bad=bad))
    assert (result.status, result.engine) == ("refuted", "exhaustive"), result
    shown = dict(result.counterexample.arguments)
    assert shown["f"].startswith(f"t{bad}:"), shown  # the bad turn itself, not a neighbour
    assert result.counterexample.lhs.startswith(f"t{(bad + 1) % MAX_ENUMERATION}:")
