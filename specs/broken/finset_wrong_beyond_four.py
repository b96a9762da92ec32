"""PLANTED VIOLATION — FinSet functors wrong only on sets the old sampler never drew.

- ``Rotate5`` is the identity functor except that every function into a set of 5 or more
  elements is followed by the rotation i ↦ i + 1. Its identities break, but only on sets of
  at least 5 elements (sampling used to draw 1 to 4).
- ``PointedEmpty`` replaces the empty set by a one-point set and every function out of ∅ by
  the constant at the first element. It breaks composition, but only when the first set of
  the pair is ∅ (never drawn before).

Expected: ``preserves identities`` of ``Rotate5`` refuted at a set of 5 elements;
``preserves composition`` of ``PointedEmpty`` refuted at a pair starting at S0.
"""


from catdyn import Functor
from catdyn.categories.finset import FinSet


def _rotate_large(f):
    if f.cod.size < 5:
        return f
    return FinSet.function(f"rot·{f.name}", f.dom, f.cod, (f.table + 1) % f.cod.size)


Rotate5 = Functor("Rotate5", FinSet, FinSet, lambda X: X, _rotate_large)


def _point(X):
    return X if X.size else FinSet.object("•", 1)


def _pointed(f):
    if f.dom.size:
        return FinSet.function(f.name, _point(f.dom), _point(f.cod), f.table)
    return FinSet.function(f"const_{f.name}", _point(f.dom), _point(f.cod), [0])


PointedEmpty = Functor("PointedEmpty", FinSet, FinSet, _point, _pointed)
