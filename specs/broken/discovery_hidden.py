"""PLANTED VIOLATION — broken things bound where discovery used to look away.

- ``Collapse_if`` is bound inside a module-level ``if``; ``Collapse_try`` inside a ``try``;
- ``functors`` is a list of Functors whose second element breaks identities;
- ``plain`` is a Diagram that declares no equations (nothing to check: reported, not
  silently passed);
- ``_Hidden`` is a broken functor under a private name (reported as not checked).

Expected: ``preserves identities`` refuted for ``Collapse_if``, ``Collapse_try`` and
``functors[1]`` (``functors[0]``, the identity, held); ``plain`` and ``_Hidden`` listed under
"not checked" with their lines.
"""

import numpy as np

from catdyn import Diagram, Functor
from catdyn.categories.finset import FinSet


def _constant(f):
    return FinSet.function(f"const_{f.name}", f.dom, f.cod, np.zeros(f.dom.size, dtype=np.int64))


if True:
    Collapse_if = Functor("Collapse", FinSet, FinSet, lambda X: X, _constant)

try:
    Collapse_try = Functor("Collapse", FinSet, FinSet, lambda X: X, _constant)
except Exception:  # pragma: no cover - never raised
    pass

functors = [Functor.identity(FinSet), Functor("Collapse", FinSet, FinSet, lambda X: X, _constant)]

A = FinSet.object("A", 2)
plain = Diagram("no equations", FinSet, [FinSet.identity(A)])

_Hidden = Functor("Collapse", FinSet, FinSet, lambda X: X, _constant)
