"""Each law of a checked category or functor names its subject: the name the thing was bound
to (a spec's variable, ``laws_for(thing, name)``), else the thing's own name. Reports, the CLI
("refuted: <subject> — <law>") and JSON results all show it.
"""

from __future__ import annotations

import pytest

from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatRCategory
from catdyn.checker import laws_for
from catdyn.functor import Functor

THINGS = [FinSet, MatQ, MatRCategory(atol=1e-6), Functor.identity(FinSet), Functor.identity(MatQ)]


@pytest.mark.parametrize("thing", THINGS, ids=lambda c: c.name)
def test_a_bound_name_is_the_subject(thing) -> None:
    laws = laws_for(thing, "C")
    assert laws and {law.subject for law in laws} == {"C"}


@pytest.mark.parametrize("thing", THINGS, ids=lambda c: c.name)
def test_without_a_name_the_thing_names_itself(thing) -> None:
    laws = laws_for(thing)
    assert laws and {law.subject for law in laws} == {thing.name}
