"""The law checker: laws as equations, engines that prove or test them, suites.

- :mod:`~catdyn.checker.law`: :class:`Law`, :class:`LawResult`, :func:`check_law`,
  :func:`approx` (the contract other packages state their laws with);
- :mod:`~catdyn.checker.engines`: exhaustive, symbolic and hypothesis engines;
- :mod:`~catdyn.checker.suites`: the laws of categories, functors, natural transformations,
  diagrams, cones and pullbacks;
- :mod:`~catdyn.checker.discovery`: what a spec file binds that can be checked;
- :mod:`~catdyn.checker.report`: checking spec files, exit codes and the JSON schema.

>>> from catdyn.categories.finset import FinSet
>>> from catdyn import Functor
>>> results = check_laws(functor_laws(Functor.identity(FinSet)), CheckConfig(examples=20, seed=1))
>>> [r.status for r in results]
['held', 'held']
"""

from catdyn.checker.law import (
    CheckConfig,
    Counterexample,
    ErrorInfo,
    Law,
    LawResult,
    approx,
    check_law,
    check_laws,
    compare_values,
)
from catdyn.checker.suites import (
    category_laws,
    cone_laws,
    diagram_laws,
    functor_laws,
    laws_for,
    naturality_laws,
    pullback_laws,
)

__all__ = [
    "CheckConfig",
    "Counterexample",
    "ErrorInfo",
    "Law",
    "LawResult",
    "approx",
    "category_laws",
    "check_law",
    "check_laws",
    "compare_values",
    "cone_laws",
    "diagram_laws",
    "functor_laws",
    "laws_for",
    "naturality_laws",
    "pullback_laws",
]
