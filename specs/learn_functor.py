"""Learning is a functor Para → Learn (Fong, Spivak and Tuyéras, "Backprop as Functor", 2019).

For the step size ε = 0.1 and the quadratic error e(x, y) = (α/2)(x − y)² with α = 2, the functor
L sends a parametrised map I: P × A → B to the learner with update p − ε∇_p E_I and request
a − (1/α)∇_a E_I. On four chains of real torch layers in float64 — linear, conv, an attention
block and a GRU cell, each followed by a second layer — the checker tests:

- ``functor preserves composition``: L(I >> J) = L(I) >> L(J) (implementation, update and
  request), to 1e-6;
- ``one SGD step``: the composed per-layer learners' update equals one torch.optim.SGD(lr=ε)
  step on the whole chain's error (autograd);
- ``preserves identities``: L(id) is Learn's identity, and L(I) >> L(id) = L(I).

Each law runs at 8 seeds (fresh parameters, inputs and targets each), so the file checks in
bounded time; ``learn_laws(L)`` without ``seeds`` samples with hypothesis instead. The planted
violations are ``specs/broken/learn_wrong_request.py`` and ``specs/broken/learn_missing_step.py``.

Run: ``catdyn check specs/learn_functor.py`` (a spec is Python and runs as code).
"""

import torch

from catdyn.backends.torch.functors.learners import GradientLearning, QuadraticError, learn_laws

# tiny layers: intra-op threads only add synchronisation
torch.set_num_threads(1)

gradient_learning = GradientLearning(step=0.1, error=QuadraticError(alpha=2.0))
backprop_is_a_functor = learn_laws(gradient_learning, seeds=8)
