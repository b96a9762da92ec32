"""What a transfer method costs, in numbers that do not move between reruns: parameters
updated, optimiser steps and matmul FLOPs, in closed form from an MLP's widths.

**Parameters.** An MLP ``(d, h₁, …, h_k, c)`` has ``Σ (w_{i−1} + 1) w_i`` parameters, the head
``c (h_k + 1)`` of them. With ``k`` hidden layers of one width ``h`` the head's fraction is
``c (h + 1) / ((k − 1) h² + (d + k + c) h + c)``; it falls to a fraction ``f`` at the positive
root of ``f (k − 1) h² + (f (d + k + c) − c) h + c (f − 1) = 0`` (:func:`width_for_fraction`;
one hidden layer never gets below ``c / (d + c + 1)``).

**FLOPs** are counted as :mod:`torch.utils.flop_counter` counts them: ``2·m·a·b`` for every
matrix product of an ``m × a`` batch with an ``a × b`` weight — forward, the weight gradient of
a trained layer, and the input gradient of a layer with a trained layer below it. Element-wise
work (activations, losses, biases, Adam's update) and a domain map's fitting are not counted;
their time is in the measured seconds. :func:`training_flops` gives each method's count for
one setting of ``steps`` full-batch steps, as :mod:`~catdyn.backends.torch.transfer.baselines`
trains it.

>>> mlp_parameter_count((64, 64, 64, 5))
8645
>>> round(100 * head_fraction((64, 64, 64, 5)), 2)
3.76
>>> width_for_fraction(0.005, inputs=64, classes=5, depth=2)
931
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from catdyn.errors import TransferError

METHOD_COSTS = (
    "scratch",
    "finetune",
    "linear_probe",
    "lp_ft",
    "l2sp",
    "delta",
    "fibre",
    "pullback_identity",
    "pullback_coral",
    "pullback_ot",
)
"""The methods :func:`training_flops` counts (every method of the study)."""


def mlp_parameter_count(widths: Sequence[int]) -> int:
    """Weights and biases of an MLP ``widths = (in, h₁, …, out)``: ``Σ (w_{i−1} + 1) w_i``.

    >>> mlp_parameter_count((4, 8, 3))
    67
    """
    return sum((a + 1) * b for a, b in itertools.pairwise(widths))


def head_fraction(widths: Sequence[int]) -> float:
    """The head's share of the parameters: what a method that trains only the head updates.

    >>> round(head_fraction((4, 8, 3)), 6)     # 27 of 67
    0.402985
    """
    return (widths[-2] + 1) * widths[-1] / mlp_parameter_count(widths)


def width_for_fraction(fraction: float, inputs: int, classes: int, depth: int) -> int | None:
    """The smallest common hidden width at which the head's share of an MLP with ``depth``
    hidden layers is at most ``fraction`` (``None`` when no width gets there: one hidden
    layer's share never falls below ``classes / (inputs + classes + 1)``).

    >>> width_for_fraction(0.01, 64, 5, 2), width_for_fraction(0.0025, 64, 5, 2)
    (431, 1931)
    >>> width_for_fraction(0.005, 64, 5, 1) is None
    True
    """
    f, d, c, k = float(fraction), inputs, classes, depth
    a, b, c0 = f * (k - 1), f * (d + k + c) - c, c * (f - 1)
    if a == 0:
        if b <= 0:
            return None
        root = -c0 / b
    else:
        root = (-b + math.sqrt(b * b - 4 * a * c0)) / (2 * a)
    h = max(1, math.ceil(root - 1e-9))
    while head_fraction((d, *[h] * k, c)) > f:  # guard the ceiling against rounding
        h += 1
    return h


# --- FLOPs -------------------------------------------------------------------------------------
def _sizes(widths: Sequence[int]) -> list[int]:
    return [a * b for a, b in itertools.pairwise(widths)]


def forward_flops(widths: Sequence[int], batch: int) -> int:
    """One forward pass of ``batch`` inputs: ``Σ 2·m·w_{i−1}·w_i``.

    >>> forward_flops((4, 8, 3), 10)
    1120
    """
    return 2 * batch * sum(_sizes(widths))


def backward_flops(widths: Sequence[int], batch: int, through: int, trained_from: int = 0) -> int:
    """One backward pass from layer ``through`` (1-based count of linear layers on the path)
    down to the input: the weight gradient of every trained layer (index ≥ ``trained_from``,
    0-based) and the input gradient of every layer with a trained layer below it.

    >>> backward_flops((4, 8, 3), 10, through=2)              # all trained: 2 wgrads, 1 igrad
    1600
    >>> backward_flops((4, 8, 3), 10, through=2, trained_from=1)  # the head only
    480
    """
    s = _sizes(widths)[:through]
    wgrad = sum(s[trained_from:])
    igrad = sum(s[max(1, trained_from + 1):])
    return 2 * batch * (wgrad + igrad)


def _full_step(widths: Sequence[int], n: int) -> int:
    return forward_flops(widths, n) + backward_flops(widths, n, len(widths) - 1)


def _head_through_body(widths: Sequence[int], n: int) -> int:
    layers = len(widths) - 1
    return forward_flops(widths, n) + backward_flops(widths, n, layers, trained_from=layers - 1)


def _fibre(widths: Sequence[int], n: int, probe: int, steps: int, rounds: int) -> int:
    """Augmented Lagrangian (:class:`~catdyn.backends.torch.transfer.fibre.ConstraintSolver`,
    Adam): per step both legs forward on the probe, the loss forward on the training set, and
    the backward of both (the features stop at the head's input); both legs and the loss once
    at the start (legs only), after every round and at the end."""
    layers = len(widths) - 1
    per_step = (2 * forward_flops(widths, probe) + _full_step(widths, n)
                + backward_flops(widths, probe, layers - 1))
    checks = 2 * forward_flops(widths, probe) + forward_flops(widths, n)
    return steps * per_step + 2 * forward_flops(widths, probe) + (rounds + 1) * checks


def fibre_rounds(steps: int, rounds: int) -> int:
    """The rounds the fibre product runs: the largest number ≤ ``rounds`` that divides
    ``steps`` (so it takes exactly ``steps`` optimiser steps, as every other method).

    >>> fibre_rounds(100, 3), fibre_rounds(7, 4)
    (2, 1)
    """
    return max(r for r in range(1, max(1, min(rounds, steps)) + 1) if steps % r == 0)


def training_flops(method: str, widths: Sequence[int], n: int, steps: int, probe: int = 0, rounds: int = 1) -> int:
    """Matmul FLOPs of one setting of ``method`` (``steps`` full-batch steps on ``n`` training
    inputs; the fibre product also reads ``probe`` probe inputs over :func:`fibre_rounds`
    rounds). Domain maps: the source features of the mapped inputs once, then the head
    (the map's own fitting is not counted).

    >>> training_flops("linear_probe", (4, 8, 3), 10, steps=2)
    3200
    >>> training_flops("pullback_identity", (4, 8, 3), 10, steps=2)   # features once, then the head
    3040
    """
    layers, head = len(widths) - 1, 2 * n * widths[-2] * widths[-1]
    if method in ("scratch", "finetune", "l2sp"):
        return steps * _full_step(widths, n)
    if method == "linear_probe":
        return steps * _head_through_body(widths, n)
    if method == "lp_ft":
        lp = steps // 2
        return lp * _head_through_body(widths, n) + (steps - lp) * _full_step(widths, n)
    if method == "delta":
        feature = forward_flops(widths, n) + backward_flops(widths, n, layers - 1)
        return forward_flops(widths, n) + steps * (_full_step(widths, n) + feature)
    if method == "fibre":
        r = fibre_rounds(steps, rounds)
        return _fibre(widths, n, probe, r * (steps // r), r)
    if method.startswith("pullback_"):
        return forward_flops(widths, n) + steps * 2 * head
    raise TransferError.unknown_method(method, list(METHOD_COSTS))
