"""The runner: compile a spec's experiment into a task graph, execute it, store it, report it.

A spec binds an experiment at its top level: a diagram of typed backend morphisms
(:func:`catdyn.experiment`; see :mod:`catdyn.experiments`). ``catdyn run SPEC`` compiles it
(:mod:`~catdyn.runner.compiler`: one task per arrow, one check task per equation), runs it on an
executor (:mod:`~catdyn.runner.executors`) into a store (:mod:`~catdyn.runner.store`) and
writes its report (:mod:`~catdyn.runner.report`). A morphism's ``run`` receives a
:class:`TaskContext` (its seed and device, and what it records for the report). Importing this
package loads neither torch nor ray.

>>> TaskContext(seed=0).seed
0
"""

from catdyn.runner.context import TaskContext

__all__ = ["TaskContext"]
