"""The barrier matrix of N models: every pair, every point of its linear path, batched.

For each pair ``i < j`` the second model is first aligned to the first by the symmetry group
(weight matching by default, see :mod:`catdyn.backends.torch.paths.alignment`), then loss and error are
measured at ``points`` values of ``α`` on every split, for all pairs and points in a few batched
passes (:func:`~catdyn.backends.torch.paths.interpolation.pair_paths`). The result,
:class:`BarrierMatrix`, keeps every profile, so any barrier definition, metric or split gives a
symmetric ``N × N`` matrix with a zero diagonal.

Pairs are independent: :func:`split_pairs` cuts the pair list into chunks that the runner's
executors compute separately (``pairs=`` in :func:`barrier_matrix`), and
:meth:`BarrierMatrix.merge` joins the pieces. :func:`barrier_matrix_loop` is the plain reference
— one pair, one point, one forward pass at a time — that the batched code is tested and
benchmarked against.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.data.datasets import make_moons
>>> net = MLP((2, 8, 2))
>>> models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
>>> bm = barrier_matrix(net, models, make_moons(80, seed=0), points=5)
>>> m = bm.matrix("loss", "test", "mean-endpoint")
>>> m.shape, bool((m == m.T).all()), float(m[0, 0])
((4, 4), True, 0.0)
>>> parts = [barrier_matrix(net, models, make_moons(80, seed=0), points=5, pairs=p) for p in split_pairs(all_pairs(4), 2)]
>>> bool(abs(BarrierMatrix.merge(parts).matrix("loss", "test") - m).max() < 1e-6)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture, recalibrate
from catdyn.backends.torch.models.symmetry import permute
from catdyn.backends.torch.paths.alignment import activation_matching, weight_matching
from catdyn.backends.torch.paths.interpolation import (
    BNMode,
    Definition,
    Metric,
    Parallel,
    _loss_error,
    alpha_grid,
    as_splits,
    barrier,
    bn_label,
    pair_paths,
    stack,
    unstack,
)
from catdyn.errors import HomotopyError

Params = dict[str, Tensor]
Pair = tuple[int, int]


def all_pairs(n: int) -> list[Pair]:
    """Every pair ``(i, j)`` with ``i < j < n``, in order.

    >>> all_pairs(3)
    [(0, 1), (0, 2), (1, 2)]
    """
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def split_pairs(pairs: Sequence[Pair], parts: int) -> list[list[Pair]]:
    """The pairs cut into ``parts`` contiguous chunks of nearly equal size (for executors).

    >>> split_pairs(all_pairs(4), 4)
    [[(0, 1), (0, 2)], [(0, 3), (1, 2)], [(1, 3)], [(2, 3)]]
    """
    if parts < 1:
        raise HomotopyError.bad_option("parts", parts, "at least 1")
    sizes = [len(pairs) // parts + (1 if k < len(pairs) % parts else 0) for k in range(parts)]
    out, start = [], 0
    for s in sizes:
        out.append(list(pairs[start : start + s]))
        start += s
    return out


@dataclass(frozen=True)
class BarrierMatrix:
    """Profiles of the linear paths of some pairs of ``n`` models.

    ``profiles[(metric, split)]`` is a ``(P, A)`` array (one row per entry of ``pairs``, one
    column per ``alphas``); ``bn`` records the batch-norm treatment and ``alignment`` the method
    that moved the second model of each pair onto the first; ``permutations[p]`` is the
    aligning element of pair ``p`` (one permutation array per group), or None.

    >>> import numpy as np
    >>> bm = BarrierMatrix(3, np.array([0.0, 0.5, 1.0]), [(0, 1), (1, 2)],
    ...                    {("loss", "test"): np.array([[0.0, 1.0, 0.0], [0.0, 0.2, 0.0]])})
    >>> bm.matrix("loss", "test").tolist()
    [[0.0, 1.0, nan], [1.0, 0.0, 0.2], [nan, 0.2, 0.0]]
    """

    n: int
    alphas: np.ndarray
    pairs: list[Pair]
    profiles: dict[tuple[str, str], np.ndarray]
    bn: str = "bn-free"
    alignment: str = "none"
    permutations: list[Any] = field(default_factory=list)

    def barriers(
        self, metric: Metric = "loss", split: str = "test", definition: Definition = "mean-endpoint"
    ) -> np.ndarray:
        """One barrier per pair, in the order of ``pairs``."""
        key = (metric, split)
        if key not in self.profiles:
            raise HomotopyError.bad_option("(metric, split)", key, f"one of {sorted(self.profiles)}")
        return np.asarray(barrier(self.profiles[key], self.alphas, definition), dtype=np.float64)

    def matrix(
        self, metric: Metric = "loss", split: str = "test", definition: Definition = "mean-endpoint"
    ) -> np.ndarray:
        """The symmetric ``n × n`` matrix of barriers (zero diagonal; NaN for pairs not computed)."""
        out = np.full((self.n, self.n), np.nan)
        np.fill_diagonal(out, 0.0)
        for (i, j), v in zip(self.pairs, self.barriers(metric, split, definition)):
            out[i, j] = out[j, i] = v
        return out

    def endpoint_values(self, metric: Metric = "loss", split: str = "test") -> np.ndarray:
        """Each model's own ``metric`` (read off the paths' endpoints; NaN if in no pair)."""
        out = np.full(self.n, np.nan)
        prof = self.profiles[metric, split]
        for p, (i, j) in enumerate(self.pairs):
            out[i], out[j] = prof[p, 0], prof[p, -1]
        return out

    @staticmethod
    def merge(parts: Sequence[BarrierMatrix]) -> BarrierMatrix:
        """Join the pieces computed for disjoint chunks of pairs."""
        if not parts:
            raise HomotopyError.too_few_models(0, 1)
        first = parts[0]
        for p in parts[1:]:
            if (
                p.n != first.n
                or not np.array_equal(p.alphas, first.alphas)
                or set(p.profiles) != set(first.profiles)
            ):
                raise HomotopyError.bad_option(
                    "parts", "pieces of different studies", "pieces with the same models, grid and metrics"
                )
        pairs = [pr for p in parts for pr in p.pairs]
        profiles = {k: np.concatenate([p.profiles[k] for p in parts]) for k in first.profiles}
        perms = [x for p in parts for x in (p.permutations or [None] * len(p.pairs))]
        return BarrierMatrix(first.n, first.alphas, pairs, profiles, first.bn, first.alignment, perms)

    def to_value(self) -> dict[str, Any]:
        """A storable value (plain numbers, lists and arrays; the runner's store keeps it):
        profiles as arrays, and the aligning permutations as one ``(P, size)`` array per group.

        >>> bm = BarrierMatrix(2, np.array([0.0, 1.0]), [(0, 1)], {("loss", "test"): np.zeros((1, 2))},
        ...                    permutations=[(np.array([1, 0]),)])
        >>> back = BarrierMatrix.from_value(bm.to_value())
        >>> back.pairs, back.permutations[0][0].tolist()
        ([(0, 1)], [1, 0])
        """
        have = bool(self.permutations) and all(p is not None for p in self.permutations)
        groups = len(self.permutations[0]) if have else 0
        return {
            "n": self.n,
            "alphas": np.asarray(self.alphas, dtype=np.float64),
            "pairs": np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2),
            "profiles": {f"{m}/{s}": np.asarray(v) for (m, s), v in self.profiles.items()},
            "bn": self.bn,
            "alignment": self.alignment,
            "permutations": [np.stack([np.asarray(p[g]) for p in self.permutations]) for g in range(groups)],
        }

    @staticmethod
    def from_value(value: Mapping[str, Any]) -> BarrierMatrix:
        """The inverse of :meth:`to_value`."""
        pairs = [(int(i), int(j)) for i, j in np.asarray(value["pairs"]).reshape(-1, 2)]
        profiles = {tuple(k.split("/", 1)): np.asarray(v) for k, v in value["profiles"].items()}
        groups = [np.asarray(g) for g in value.get("permutations", [])]
        perms = [tuple(g[p] for g in groups) for p in range(len(pairs))] if groups else [None] * len(pairs)
        return BarrierMatrix(
            int(value["n"]),
            np.asarray(value["alphas"]),
            pairs,
            profiles,  # type: ignore[arg-type]
            str(value.get("bn", "bn-free")),
            str(value.get("alignment", "none")),
            perms,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for storage (npz): ``alphas``, ``pairs`` and one ``metric/split`` array each.

        >>> sorted(BarrierMatrix(2, np.array([0.0, 1.0]), [(0, 1)], {("loss", "test"): np.zeros((1, 2))}).to_arrays())
        ['alphas', 'loss/test', 'pairs']
        """
        out = {"alphas": self.alphas, "pairs": np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2)}
        out.update({f"{m}/{s}": v for (m, s), v in self.profiles.items()})
        return out


def _as_stacked(models: Sequence[Mapping[str, Tensor]] | Mapping[str, Tensor]) -> Params:
    if isinstance(models, Mapping):
        return dict(models)
    return stack(list(models))


def barrier_matrix(
    arch: Architecture,
    models: Sequence[Mapping[str, Tensor]] | Mapping[str, Tensor],
    data: Any,
    *,
    points: int = 25,
    pairs: Sequence[Pair] | None = None,
    alignment: Literal["weight", "activation", "none"] = "weight",
    probe: Tensor | None = None,
    bn: BNMode = "auto",
    seed: int = 0,
    workers: int | Literal["auto"] = "auto",
    parallel: Parallel = "auto",
    pin: bool = False,
) -> BarrierMatrix:
    """Profiles of the linear paths between ``models`` (a list of parameter dicts or one stacked
    dict) for ``pairs`` (default all), each second model aligned to the first by ``alignment``
    (``"activation"`` uses ``probe`` inputs, default the first 256 training inputs).

    ``workers`` and ``parallel`` (``"auto"``, ``"threads"`` or ``"processes"``) say how the pairs
    are spread over the CPU cores for a batch-norm-free MLP, by the ensemble's shard runner (see
    :func:`~catdyn.backends.torch.paths.interpolation.pair_paths`): worker processes avoid the GIL
    hand-offs of threads, but the first call of a Python process starts them (about 1–2 s);
    ``pin=True`` binds each shard to its layout's cores.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.backends.torch.models.symmetry import permute, random_element
    >>> net = MLP((3, 6, 2))
    >>> t = net.init(torch.Generator().manual_seed(0))
    >>> twin = permute(net, t, random_element(net, torch.Generator().manual_seed(1)))
    >>> data = (torch.randn(20, 3), torch.randint(0, 2, (20,)))
    >>> float(barrier_matrix(net, [t, twin], data, points=5).matrix("loss", "test")[0, 1])
    0.0
    """
    stacked = _as_stacked(models)
    n = next(iter(stacked.values())).shape[0]
    if n < 2:
        raise HomotopyError.too_few_models(n, 2)
    pairs = all_pairs(n) if pairs is None else [tuple(p) for p in pairs]  # type: ignore[misc]
    splits = as_splits(data)
    al = alpha_grid(points)
    label = bn_label(arch, bn)
    partners = None
    perms: list[Any] = [None] * len(pairs)
    if alignment != "none":
        listed = unstack(stacked)
        if alignment == "activation" and probe is None:
            probe = splits.get("train", next(iter(splits.values())))[0][:256]
        aligned = []
        for p, (i, j) in enumerate(pairs):
            if alignment == "weight":
                r = weight_matching(arch, listed[i], listed[j], seed=seed)
            elif alignment == "activation":
                r = activation_matching(
                    arch, listed[i], listed[j], probe.to(listed[i][next(iter(listed[i]))].device), seed=seed
                )  # type: ignore[union-attr]
            else:
                raise HomotopyError.bad_option("alignment", alignment, "'weight', 'activation' or 'none'")
            aligned.append(permute(arch, listed[j], r.permutation))
            perms[p] = tuple(np.asarray(q) for q in r.permutation.perms)
        partners = stack(aligned) if aligned else None
    if not pairs:
        profiles = {(m, s): np.zeros((0, points)) for m in ("loss", "error") for s in splits}
        return BarrierMatrix(n, al.numpy(), [], profiles, label, alignment, [])
    out = pair_paths(
        arch, stacked, pairs, al, splits, bn=bn, partners=partners, workers=workers, parallel=parallel, pin=pin
    )
    profiles = {k: v.double().cpu().numpy() for k, v in out.items()}
    return BarrierMatrix(n, al.numpy(), list(pairs), profiles, label, alignment, perms)


def barrier_matrix_loop(
    arch: Architecture,
    models: Sequence[Mapping[str, Tensor]],
    data: Any,
    *,
    points: int = 25,
    pairs: Sequence[Pair] | None = None,
    partners: Sequence[Mapping[str, Tensor]] | None = None,
    bn: BNMode = "auto",
) -> BarrierMatrix:
    """The reference: a per-pair, per-point Python loop, one forward pass per network (no vmap,
    no batching over models); ``partners[p]`` replaces the second model of pair ``p``.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 4, 2))
    >>> ms = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    >>> data = (torch.randn(10, 2), torch.randint(0, 2, (10,)))
    >>> a = barrier_matrix_loop(net, ms, data, points=4).matrix("loss", "test")
    >>> b = barrier_matrix(net, ms, data, points=4, alignment="none").matrix("loss", "test")
    >>> bool(abs(a - b).max() < 1e-5)
    True
    """
    n = len(models)
    pairs = all_pairs(n) if pairs is None else list(pairs)
    splits = as_splits(data)
    label = bn_label(arch, bn)
    alphas = [float(a) for a in alpha_grid(points)]
    calib = splits.get("train", next(iter(splits.values())))[0]
    profiles = {(m, s): np.zeros((len(pairs), points)) for m in ("loss", "error") for s in splits}
    with torch.no_grad():
        for p, (i, j) in enumerate(pairs):
            a, b = models[i], (partners[p] if partners is not None else models[j])
            for k, alpha in enumerate(alphas):
                theta = {name: (1 - alpha) * a[name] + alpha * b[name] for name in a}
                if label == "recomputed":
                    theta = recalibrate(arch, theta, calib)
                for s, (x, y) in splits.items():
                    loss, err = _loss_error(arch.apply(theta, x).unsqueeze(0), y)
                    profiles["loss", s][p, k] = float(loss[0])
                    profiles["error", s][p, k] = float(err[0])
    return BarrierMatrix(
        n, np.asarray(alphas), pairs, profiles, label, "none" if partners is None else "given"
    )
