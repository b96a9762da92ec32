"""PLANTED VIOLATION — a functor that breaks composition on some composable pairs only.

``Squash`` keeps injective functions and replaces every other function by the constant
at the image of the first element. Identities are injective, so they are preserved; most
pairs compose correctly too (both injective; or a non-injective first map followed by an
injective one), but a map followed by a non-injective g whose g(f(0)) ≠ g(0) breaks.
Expected: ``preserves composition`` refuted on a small pair.
"""

import numpy as np

from catdyn import Functor
from catdyn.categories.finset import FinSet


def _squash(f):
    if len(set(f.table.tolist())) == f.dom.size:
        return f
    first = f.table[0] if f.dom.size else 0
    return FinSet.function(f"squash_{f.name}", f.dom, f.cod, np.full(f.dom.size, first, dtype=np.int64))


Squash = Functor("Squash", FinSet, FinSet, lambda X: X, _squash)
