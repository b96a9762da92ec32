"""The realisation functor R: Param → Rep applied to a whole population, a symmetry σ acting on
it, and the naturality square R(σ·θ) = P_σ·R(θ) checked on the trained members: the bodies of
the :class:`Realise`, :class:`Permute`, :class:`PermuteRep` and :class:`RealisationLaw`
morphisms (:mod:`catdyn.backends.torch.training.morphisms`).

>>> import torch
>>> from catdyn.values import Population
>>> from catdyn.backends.torch.models.architectures import MLP
>>> net = MLP((2, 3, 2)); theta = net.init(torch.Generator().manual_seed(0))
>>> pop = Population({"type": "mlp", "widths": [2, 3, 2]}, {n: t[None] for n, t in theta.items()}, ["ok"], [0])
>>> moved = permute_population(pop, sigma_seed=7)
>>> x = torch.randn(5, 2)
>>> bool(torch.allclose(net.apply(theta, x), net.apply({n: t[0] for n, t in moved.params.items()}, x)))
True
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from catdyn.backends.torch.functors.realisation import Realisation
from catdyn.backends.torch.functors.rep import Probe
from catdyn.backends.torch.models.param import Param
from catdyn.backends.torch.models.symmetry import coordinate_permutation, permute, random_element
from catdyn.backends.torch.training.population import architecture, shaped
from catdyn.errors import SpecError
from catdyn.values import Dataset, Population, RepresentationTable


def probe_inputs(pop: Population, data: Dataset, split: str, n_probe: int) -> torch.Tensor:
    """The first ``n_probe`` inputs of ``split``, in the population's input shape."""
    return shaped(architecture(pop.arch), getattr(data, f"{split}_x")[: int(n_probe)])


def realise_population(pop: Population, data: Dataset, layer: str, n_probe: int, split: str) -> RepresentationTable:
    """Every member's activations of ``layer`` on the probe, stacked ``(K, n_probe, width)``;
    a failed member's rows are NaN (it is not a trained network)."""
    net, x = architecture(pop.arch), probe_inputs(pop, data, split, n_probe)
    with torch.no_grad():
        feats = torch.func.vmap(lambda p: net.features(p, x, layer))(pop.params)
    ok = torch.tensor([s == "ok" for s in pop.status])
    feats = torch.where(ok[:, None, None], feats, torch.full_like(feats, math.nan))
    return RepresentationTable(layer, f"{split}[:{x.shape[0]}]", feats, list(pop.status))


def sigma(arch: dict[str, Any], sigma_seed: int) -> dict[str, Any]:
    """One element of the architecture's hidden-unit symmetry group, drawn from ``sigma_seed``."""
    return random_element(architecture(arch), torch.Generator().manual_seed(int(sigma_seed)))


def permute_population(pop: Population, sigma_seed: int) -> Population:
    """σ·θ for every member (a morphism of Param); what training kept of the parameters
    (checkpoints, trajectory) is not carried over: it was not permuted."""
    net, s = architecture(pop.arch), sigma(pop.arch, sigma_seed)
    members = [permute(net, {n: t[i] for n, t in pop.params.items()}, s) for i in range(pop.size)]
    params = {n: torch.stack([m[n] for m in members]) for n in pop.params}
    return dataclasses.replace(pop, params=params, checkpoints={}, trajectory=None)


def permute_representation(rep: RepresentationTable, arch: dict[str, Any], sigma_seed: int) -> RepresentationTable:
    """P_σ on a realisation (a morphism of Rep), applied by moving coordinates (exact)."""
    pi = coordinate_permutation(architecture(arch), rep.layer, sigma(arch, sigma_seed))
    out = torch.empty_like(rep.features)
    out[..., pi] = rep.features
    return RepresentationTable(rep.layer, rep.probe, out, rep.status)


def realisation_law(pop: Population, data: Dataset, rep: RepresentationTable, split: str, examples: int,
                    atol: float, seed: int, subject: str) -> Any:
    """Naturality R(σ·θ) = R(σ)·R(θ) on the trained members, R(θ) the *stored* realisation, for σ
    drawn by hypothesis from Param's automorphisms of the architecture: a checker result."""
    from hypothesis import strategies as st

    from catdyn.checker.law import CheckConfig, Law, approx, check_law

    members = [i for i, s in enumerate(pop.status) if s == "ok"]
    if not members:
        raise SpecError("RealisationLaw: every member of the population failed", "Lower the learning rates")
    net, n = architecture(pop.arch), rep.features.shape[1]
    space = Param.space(net)
    R = Realisation(Probe(f"{split}[:{n}]", probe_inputs(pop, data, split, n)), rep.layer)

    def lhs(k: int, f: Any) -> Any:
        with torch.no_grad():
            return R.realise(f.cod, f({name: t[k] for name, t in pop.params.items()}))

    law = Law(f"naturality of {R.name} on trained members", "naturality", lhs, lambda k, f: R(f)(rep.features[k]),
              arguments=st.tuples(st.sampled_from(members), Param.morphisms(space, space)), argnames=("member", "σ"),
              compare=approx(rtol=0.0, atol=float(atol)), subject=subject,
              statement=f"{R.name}(σ·θ) = {R.name}(σ)·{R.name}(θ), R(θ) as stored by this run")
    return check_law(law, CheckConfig(examples=int(examples), seed=seed, engines=("hypothesis",)))
