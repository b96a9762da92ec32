"""Concrete categories: FinSet, Mat (over the rationals and the reals), Perm (symmetric
groups and their products) and Path (the Moore path category of a Euclidean space).

>>> from catdyn.categories import FinSet
>>> FinSet.name
'FinSet'
"""

from catdyn.categories.finset import FinFunction, FinSet, FinSetCategory, FinSetObject

__all__ = ["FinFunction", "FinSet", "FinSetCategory", "FinSetObject"]
