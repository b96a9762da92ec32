"""The runner: compile a spec's experiment into a task graph, execute it, store it, report it.

A spec binds an experiment at its top level: a diagram of typed backend morphisms
(:func:`catdyn.experiment`, the current form; see :mod:`catdyn.experiments`) or an
:class:`Experiment` of stages and steps bound to operations (the older form, kept until every
spec is ported). ``catdyn run SPEC`` compiles it (:mod:`~catdyn.runner.compiler`), runs it on an executor
(:mod:`~catdyn.runner.executors`) into a store (:mod:`~catdyn.runner.store`) and writes its
report (:mod:`~catdyn.runner.report`). Importing this package loads neither torch nor ray.

>>> exp = Experiment("demo", seed=0, presets={"smoke": {"n": 3}})
>>> xs = exp.stage("xs", "array")
>>> exp.step("draw", None, xs, op="random_normal", n=P("n")).signature
'draw: 1 → xs'
"""

from catdyn.runner.experiment import Experiment, P, Stage, Step
from catdyn.runner.operations import OpContext, operation

__all__ = ["Experiment", "OpContext", "P", "Stage", "Step", "operation"]
