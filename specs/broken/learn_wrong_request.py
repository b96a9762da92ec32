"""PLANTED VIOLATION — a "learner functor" whose request is the backpropagated gradient.

The request should be a − (1/α)∇_a E_I (the input the layer asks for); this one returns
∇_a E_I itself, as if the gradient flowing backwards were the requested input. The first
layer of a chain then trains towards the wrong target. Expected: ``functor preserves
composition``, ``one SGD step`` and ``preserves identities`` (L(id) no longer requests the
target) refuted on every chain.
"""

import torch

from catdyn.backends.torch.functors.learners import (
    GradientLearning,
    QuadraticError,
    learn_laws,
    standard_chains,
)

torch.set_num_threads(1)


class _BackpropagatedInput(GradientLearning):
    def request(self, para, p, a, b):
        return self._grads(para, p, a, b)[1]


wrong_request = learn_laws(_BackpropagatedInput(0.1, QuadraticError(2.0)), standard_chains()[:2], seeds=3)
