"""A diagram that wires a Table into a morphism that reads Claims: refused as it loads."""

from typing import Any

from catdyn import BackendMorphism, experiment
from catdyn.values import Claims, Table


class Rows(BackendMorphism):
    """A table of n rows."""

    inputs, output = (), Table
    n: int = 2

    def run(self, ctx: Any) -> Table:
        return Table([{"i": i} for i in range(self.n)])


class Verdicts(BackendMorphism):
    """The claims, unchanged."""

    inputs, output = (Claims,), Claims

    def run(self, ctx: Any, claims: Claims) -> Claims:
        return claims


@experiment(presets={"smoke": {}})
def miswired(e, p):
    rows = e.add("Rows", Rows())
    e.add("Verdicts", Verdicts(), rows)
