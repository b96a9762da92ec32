"""PLANTED VIOLATION — a "learner functor" that forgets the step size in its update.

Its update is p − ∇_p E_I instead of p − ε∇_p E_I. That is still a functor (the one for step
size 1), so ``functor preserves composition`` holds — which is why the laws also compare the
composed learners with one step of torch.optim.SGD(lr=ε) on the whole network. Expected:
``one SGD step`` refuted on every chain, ``functor preserves composition`` held.
"""

import torch

from catdyn.backends.torch.functors.learners import (
    GradientLearning,
    QuadraticError,
    learn_laws,
    leaves,
    rebuild,
    standard_chains,
)

torch.set_num_threads(1)


class _NoStepSize(GradientLearning):
    def update(self, para, p, a, b):
        grad_p, _ = self._grads(para, p, a, b)
        return rebuild(p, [t.detach() - g for t, g in zip(leaves(p), grad_p)])


missing_step = learn_laws(_NoStepSize(0.1, QuadraticError(2.0)), standard_chains()[:2], seeds=3)
