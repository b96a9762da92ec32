"""PLANTED VIOLATION — a functor that breaks identities.

``Collapse`` sends every function to the constant function at the first element of its
codomain. It preserves composition (constants compose to constants) but sends id_X to a
constant, which is not the identity as soon as X has two elements. Expected: ``preserves
identities`` refuted at X = S2.
"""

import numpy as np

from catdyn import Functor
from catdyn.categories.finset import FinSet

Collapse = Functor(
    "Collapse",
    FinSet,
    FinSet,
    lambda X: X,
    lambda f: FinSet.function(f"const_{f.name}", f.dom, f.cod, np.zeros(f.dom.size, dtype=np.int64)),
)
