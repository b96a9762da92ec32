"""Concrete categories: FinSet, Mat (over the rationals and the reals), Perm (symmetric
groups and their products) and Path (the Moore path category of a Euclidean space).

>>> from catdyn.categories import FinSet, MatQ, Perm, Path
>>> [c.name for c in (FinSet, MatQ, Perm, Path)]
['FinSet', 'MatQ', 'Perm', 'Path']
"""

from catdyn.categories.finset import FinFunction, FinSet, FinSetCategory, FinSetObject
from catdyn.categories.mat import LinearMap, MatCategory, MatQ, MatQCategory, MatR, MatRCategory, VectorSpace
from catdyn.categories.paths import DiscretePath, Path, PathCategory, Point
from catdyn.categories.perm import Perm, PermCategory, Permutation, SymmetryGroup

__all__ = [
    "DiscretePath",
    "FinFunction",
    "FinSet",
    "FinSetCategory",
    "FinSetObject",
    "LinearMap",
    "MatCategory",
    "MatQ",
    "MatQCategory",
    "MatR",
    "MatRCategory",
    "Path",
    "PathCategory",
    "Perm",
    "PermCategory",
    "Permutation",
    "Point",
    "SymmetryGroup",
    "VectorSpace",
]
