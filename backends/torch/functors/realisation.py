"""The realisation functor Param → Rep, and its laws on real networks.

:class:`Realisation` for a probe set and a layer sends

- a parameter space ``Θ_A`` to the representation space ``Rep(probe, layer, width_A(layer))``;
- a unit map ``f: Θ_A → Θ_B`` (a symmetry σ, a widening, or a composite) to the 0/1 matrix
  ``E_f`` with ``E_f[j, src_f(j)] = 1``: coordinate ``j`` of ``B``'s layer copies coordinate
  ``src_f(j)`` of ``A``'s (for a symmetry, the permutation matrix ``P_σ``; for a widening, the
  duplication matrix; the identity on layers no group acts on, such as the logits);
- an element ``θ`` to its activation matrix ``realise(Θ_A, θ) = features(θ, probe, layer)``.

Its laws, as :class:`~catdyn.checker.law.Law` objects (:func:`realisation_laws`):

- *preserves identities* and *preserves composition* (the functor suite, on the symmetry group —
  enumerated, hence proved, when the group is small — and on chains of widenings, sampled);
- *naturality*: ``realise(f(θ)) = E_f · realise(θ)`` for hypothesis-generated ``θ`` and ``f``
  (symmetries and widenings) — the realisation of the action is the action on representations;
- *preserves the function*: ``f_θ(x) = f_{f(θ)}(x)`` on the probe.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.models.param import Param
>>> from catdyn.backends.torch.functors.rep import Probe
>>> A = Param.space(MLP((2, 3, 1)))
>>> R = Realisation(Probe("x", torch.randn(5, 2, dtype=torch.float64)), "hidden0")
>>> sigma = Param.symmetry(A, {"hidden0": [2, 0, 1]})
>>> R(sigma).matrix.tolist()
[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
>>> theta = A.random(torch.Generator().manual_seed(0), torch.float64)
>>> bool(torch.allclose(R.realise(A, sigma(theta)), R(sigma)(R.realise(A, theta))))
True
>>> from catdyn.checker.law import CheckConfig, check_laws
>>> [(r.law, r.status) for r in check_laws(realisation_laws(R, A), CheckConfig(examples=10, seed=0))]
... # doctest: +NORMALIZE_WHITESPACE
[('preserves identities', 'proved'), ('preserves composition', 'proved'),
 ('preserves composition (widenings)', 'held'), ('naturality (symmetries)', 'held'),
 ('naturality (widenings)', 'held'), ('preserves the function', 'held')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.functors.rep import Probe, Rep, RepMap, RepSpace
from catdyn.backends.torch.models.architectures import Params
from catdyn.backends.torch.models.param import Param, ParamSample, ParamSpace, UnitMap, samples
from catdyn.backends.torch.models.symmetry import AxisAction
from catdyn.checker.law import Law, approx
from catdyn.functor import Functor

Act = Callable[[UnitMap, Mapping[str, Tensor]], Params]
"""How a unit map acts on parameters (the correct action is ``f(θ)``; tests plant wrong ones)."""


def correct_action(f: UnitMap, params: Mapping[str, Tensor]) -> Params:
    """``f(θ)``: the declared action of a unit map.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> A = Param.space(MLP((1, 2, 1)))
    >>> correct_action(Param.identity(A), A.random(torch.Generator().manual_seed(0)))["fc0.bias"].shape
    torch.Size([2])
    """
    return f(params)


class Realisation(Functor):
    """The functor Param → Rep of a probe set and a layer (see the module docstring).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> R = Realisation(Probe("x", torch.zeros(4, 2)), "hidden0")
    >>> R(Param.space(MLP((2, 3, 1)))).name
    'Rep(x, hidden0, 3)'
    """

    def __init__(self, probe: Probe, layer: str, name: str | None = None) -> None:
        self.probe = probe
        self.layer = layer
        super().__init__(name or f"R[{probe.name}, {layer}]", Param, Rep, self._on_space, self._on_map)

    def _on_space(self, space: ParamSpace) -> RepSpace:
        return Rep.space(self.probe, self.layer, space.arch.layer_width(self.layer))

    def coordinate_sources(self, f: UnitMap) -> Tensor:
        """For each coordinate of the layer in ``f.cod``, the coordinate of ``f.dom`` it copies."""
        action = f.cod.arch.layer_action(self.layer)
        if action.group is None:
            return torch.arange(action.width)
        index = [g.name for g in f.dom.arch.symmetry.groups].index(action.group)
        source = torch.from_numpy(f.sources[index].copy())
        old = f.dom.arch.symmetry.groups[index].size
        return AxisAction("", 0, "out", action.block, action.tile).source_index(source, old)

    def _on_map(self, f: UnitMap) -> RepMap:
        dom, cod = self._on_space(f.dom), self._on_space(f.cod)
        source = self.coordinate_sources(f).numpy()
        matrix = np.zeros((cod.width, dom.width))
        matrix[np.arange(cod.width), source] = 1.0
        return RepMap(f"{self.name}({f.name})", dom, cod, matrix)

    def inputs(self, params: Mapping[str, Tensor]) -> Tensor:
        """The probe data, cast to the parameters' floating dtype (token ids stay integers)."""
        data = self.probe.data
        first = next(iter(params.values()))
        if data.is_floating_point() and first.is_floating_point():
            data = data.to(dtype=first.dtype, device=first.device)
        return data

    def realise(self, space: ParamSpace, params: Mapping[str, Tensor]) -> Tensor:
        """The element of ``R(space)`` that ``θ`` realises: its ``(N, width)`` activation matrix.
        ``θ`` and the probe are checked against ``space``'s architecture first (a ShapeError
        naming the tensor or the probe's shape)."""
        space.arch.check_params(params)
        x = self.inputs(params)
        space.arch.check_input(x)
        return self._on_space(space).check(space.arch.features(params, x, self.layer))


def _params(sample: ParamSample | Mapping[str, Tensor]) -> Mapping[str, Tensor]:
    return sample.params if isinstance(sample, ParamSample) else sample


def naturality_law(
    R: Realisation,
    space: ParamSpace,
    maps: Any,
    name: str = "naturality",
    act: Act = correct_action,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    dtype: torch.dtype = torch.float64,
) -> Law:
    """``realise(f(θ)) = R(f) · realise(θ)`` for ``θ`` drawn from ``space`` and ``f`` from the
    strategy ``maps`` (of unit maps out of ``space``); ``act`` is the action under test.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> A = Param.space(MLP((2, 3, 1)))
    >>> R = Realisation(Probe("x", torch.randn(4, 2, dtype=torch.float64)), "hidden0")
    >>> naturality_law(R, A, Param.morphisms(A, A)).argnames
    ('θ', 'f')
    """
    from hypothesis import strategies as st

    def lhs(theta: ParamSample, f: UnitMap) -> Tensor:
        return R.realise(f.cod, act(f, _params(theta)))

    def rhs(theta: ParamSample, f: UnitMap) -> Tensor:
        return R(f)(R.realise(f.dom, _params(theta)))

    return Law(
        name,
        "naturality",
        lhs,
        rhs,
        arguments=st.tuples(samples(space, dtype), maps),
        compare=approx(rtol=rtol, atol=atol),
        argnames=("θ", "f"),
        statement=f"{R.name}(f·θ) = {R.name}(f) · {R.name}(θ) on {space.name}",
        subject=R.name,
    )


def function_law(
    R: Realisation,
    space: ParamSpace,
    maps: Any,
    act: Act = correct_action,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> Law:
    """``f_θ(x) = f_{f(θ)}(x)`` on the probe: the map preserves the network's function.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> A = Param.space(MLP((2, 3, 1)))
    >>> function_law(Realisation(Probe("x", torch.zeros(1, 2)), "hidden0"), A, Param.morphisms(A, A)).name
    'preserves the function'
    """
    from hypothesis import strategies as st

    def lhs(theta: ParamSample, f: UnitMap) -> Tensor:
        params = act(f, _params(theta))
        return f.cod.arch.apply(params, R.inputs(params))

    def rhs(theta: ParamSample, f: UnitMap) -> Tensor:
        params = _params(theta)
        return f.dom.arch.apply(params, R.inputs(params))

    return Law(
        "preserves the function",
        "function",
        lhs,
        rhs,
        arguments=st.tuples(samples(space), maps),
        compare=approx(rtol=rtol, atol=atol),
        argnames=("θ", "f"),
        statement=f"apply(f·θ, x) = apply(θ, x) on {space.name}",
        subject=R.name,
    )


def widenings(space: ParamSpace, extra: int = 2) -> Any:
    """A strategy of unit maps from ``space`` to its widening by ``extra`` units in every
    widenable group (random copies, random fractions, random order).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> widenings(Param.space(MLP((2, 3, 1)))).example().cod.arch.widths
    (2, 5, 1)
    """
    wide = space.arch.resized({g.name: g.size + extra for g in space.arch.symmetry.groups if g.widenable})
    return Param.morphisms(space, Param.space(wide))


def realisation_laws(
    R: Realisation, space: ParamSpace, act: Act = correct_action, rtol: float = 1e-7, atol: float = 1e-9
) -> list[Law]:
    """Every law of the realisation functor on one parameter space: the functor suite on its
    symmetry group (proved by enumeration when the group is small), composition along chains of
    widenings, naturality for symmetries and for widenings, and preservation of the function.
    ``act`` replaces the action on parameters (to test that a wrong one is refuted).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> A = Param.space(MLP((2, 3, 1)))
    >>> len(realisation_laws(Realisation(Probe("x", torch.zeros(2, 2)), "hidden0"), A))
    6
    """
    from catdyn.checker.suites import functor_laws

    laws = [law.at(law.where, R.name) for law in functor_laws(R, objects=[space])]
    chains = Param.chains(space, 2)
    laws.append(
        Law(
            "preserves composition (widenings)",
            "functor",
            lambda f, g: R(f >> g),
            lambda f, g: R(f) >> R(g),
            arguments=chains,
            argnames=("f", "g"),
            statement=f"{R.name}(f >> g) = {R.name}(f) >> {R.name}(g) along widenings of {space.name}",
            subject=R.name,
        )
    )
    laws.append(
        naturality_law(R, space, Param.morphisms(space, space), "naturality (symmetries)", act, rtol, atol)
    )
    if any(g.widenable for g in space.arch.symmetry.groups):
        laws.append(naturality_law(R, space, widenings(space), "naturality (widenings)", act, rtol, atol))
    laws.append(
        function_law(R, space, st_one_of(Param.morphisms(space, space), widenings(space)), act, rtol, atol)
    )
    return laws


def st_one_of(*strategies: Any) -> Any:
    """``hypothesis.strategies.one_of`` (imported lazily).

    >>> st_one_of().is_empty
    True
    """
    from hypothesis import strategies as st

    return st.one_of(*strategies)
