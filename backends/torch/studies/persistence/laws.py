"""The stability law on real landscape grids: for a loss landscape f of a trained network and a
perturbation η, the bottleneck distance between the sublevel diagrams of f and f + η is at most
sup|η| (:mod:`catdyn.topology.stability`). Two kinds of perturbation are drawn:

* a uniform random η of sup-norm up to ``max_eps`` on a real grid;
* the data-halves perturbation the study's noise floor rests on: f = the landscape on one
  random half of the grid's samples, f + η = the landscape of the same plane on the other half.

The grids are computed on first use (:func:`digits_landscapes`), so a spec that binds the law
costs nothing until ``catdyn check`` draws from it. A pipeline that assembles the perturbed grid
differently from the unperturbed one is refuted.

>>> from catdyn.checker.law import CheckConfig, check_law
>>> law = landscape_stability_law(lambda: [(np.eye(3), np.eye(3), np.eye(3) + 0.1)])
>>> check_law(law, CheckConfig(examples=5, seed=0)).status
'held'
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from catdyn.checker.law import Law

Grids = Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Real grids: each ``(f, f_A, f_B)``, a landscape and the same plane on two data halves."""


def _pairs(grids: Callable[[], Grids], max_eps: float) -> Any:
    from hypothesis import strategies as st

    def build(args: tuple[int, int, float, bool]) -> tuple[np.ndarray, np.ndarray]:
        index, seed, eps, halves = args
        state = random.getstate()  # computing the grids (once) must not move the draws' randomness
        try:
            available = grids()
        finally:
            random.setstate(state)
        f, fa, fb = available[index % len(available)]
        if halves:
            return fa, fb - fa
        eta = np.random.default_rng(seed).uniform(-1.0, 1.0, size=f.shape) * eps
        return f, eta

    return st.tuples(
        st.integers(0, 2**16), st.integers(0, 2**31 - 1), st.floats(0.0, max_eps), st.booleans()
    ).map(build)


def landscape_stability_law(
    grids: Callable[[], Grids],
    *,
    diagram_of: Callable[[np.ndarray], Any] | None = None,
    perturb: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    max_eps: float = 0.5,
    atol: float = 1e-9,
    bottleneck_engine: str = "gudhi",
    subject: str = "loss landscapes",
) -> Law:
    """``d_B(D(f), D(perturb(f, η))) ≤ sup|η|`` over the real grids ``grids()`` (see the module
    docstring); ``diagram_of`` is the persistence pipeline under test (default: the study's,
    vertex construction with gudhi, H0 and H1), ``perturb`` assembles the perturbed grid
    (default ``f + η``)."""
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.stability import at_most, bottleneck

    diagram = diagram_of or (lambda g: sublevel_persistence(g, construction="vertex", engine="gudhi"))
    add = perturb or (lambda f, eta: f + eta)

    def lhs(f: np.ndarray, eta: np.ndarray) -> float:
        return bottleneck(diagram(f), diagram(add(f, eta)), engine=bottleneck_engine)  # type: ignore[arg-type]

    def rhs(f: np.ndarray, eta: np.ndarray) -> float:
        return float(np.max(np.abs(eta)))

    return Law(
        name="persistence stability on real landscapes",
        suite="persistence",
        lhs=lhs,
        rhs=rhs,
        arguments=_pairs(grids, max_eps),
        argnames=("f", "eta"),
        compare=at_most(atol),
        statement="d_B(D(f), D(f + η)) ≤ sup|η| for loss landscapes f of trained networks, η random or "
        "the difference of the landscapes on two data halves",
        subject=subject,
    )


@lru_cache(maxsize=4)
def digits_landscapes(
    widths: tuple[int, ...] = (64, 16, 10),
    seeds: tuple[int, ...] = (0, 1),
    train_steps: int = 60,
    steps: int = 9,
    span: float = 1.0,
    samples: int = 256,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """Real grids: MLPs of ``widths`` trained on digits for ``train_steps`` SGD steps (one per
    seed, as one ensemble), each sliced at ``steps``² points along direction seed 0 on
    ``samples`` training samples, and on the two halves of those samples (cached)."""
    import torch

    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.landscapes.landscape import loss_landscape
    from catdyn.backends.torch.models.architectures import build_architecture
    from catdyn.backends.torch.studies.persistence.landscapes import sample_halves
    from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.training.optim import SGD

    digits = load_digits(seed=0)
    arch = build_architecture({"type": "mlp", "widths": list(widths)})
    cfg = TrainConfig(steps=train_steps, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.1)
    result = train_ensemble(arch, digits.train, list(seeds), cfg, device="cpu")
    x, y = digits.train.x[:samples].float(), digits.train.y[:samples].long()
    out = []
    for k in range(len(seeds)):
        params = {name: t.detach() for name, t in result.member(k).items()}
        common = {"steps": steps, "span": span, "seed": 0}
        a, b = sample_halves(len(x), len(x), 0)
        with torch.no_grad():
            f = loss_landscape(arch, params, x, y, **common).values
            fa = loss_landscape(arch, params, x[a], y[a], **common).values
            fb = loss_landscape(arch, params, x[b], y[b], **common).values
        out.append(
            (
                np.asarray(f, dtype=np.float64),
                np.asarray(fa, dtype=np.float64),
                np.asarray(fb, dtype=np.float64),
            )
        )
    return tuple(out)
