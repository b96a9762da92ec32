"""catdyn: state structural claims about learning as category theory, check their laws,
and run them as experiments.

The DSL core lives here; concrete categories in :mod:`catdyn.categories`, executable
realisations in :mod:`catdyn.backends`. Importing catdyn loads neither torch nor gudhi.

>>> from catdyn import Cospan
>>> from catdyn.categories import FinSet
>>> A, C = FinSet.object("A", 4), FinSet.object("C", 2)
>>> f = FinSet.function("f", A, C, [0, 1, 0, 1])
>>> FinSet.pullback(Cospan(f, f)).apex.size
8
"""

from catdyn.category import Category, Comparison, Morphism, Object, compose_all
from catdyn.diagram import Diagram, Equation
from catdyn.errors import CatdynError
from catdyn.experiments import Experiment, ExperimentFamily, experiment
from catdyn.functor import Functor, NaturalTransformation
from catdyn.limits import Cone, Cospan, Pullback
from catdyn.morphisms import BackendMorphism, Solver
from catdyn.values import Value

__version__ = "0.1.0"

__all__ = [
    "BackendMorphism",
    "CatdynError",
    "Category",
    "Comparison",
    "Cone",
    "Cospan",
    "Diagram",
    "Equation",
    "Experiment",
    "ExperimentFamily",
    "Functor",
    "Morphism",
    "NaturalTransformation",
    "Object",
    "Pullback",
    "Solver",
    "Value",
    "__version__",
    "compose_all",
    "experiment",
]
