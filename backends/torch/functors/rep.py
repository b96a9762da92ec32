"""Rep realised: representation spaces (probe data, layer) and linear maps between them.

An object is a :class:`RepSpace` — the features of one layer on a fixed probe set, a space of
``width`` coordinates; its elements are activation matrices ``(N, width)``, one row per probe
point. A morphism ``U → V`` is a :class:`RepMap`: a ``(width_V, width_U)`` matrix ``M`` acting on
each probe point's feature vector, so on an activation matrix ``A`` it gives ``A @ M.T``.
Coordinate permutations are the RepMaps whose matrix is a permutation matrix
(``P[π[j], j] = 1``, Perm's convention). ``f >> g`` is ``G @ F``; equality is entrywise within
``atol`` (exact, with residual 0, for 0/1 matrices).

>>> import torch
>>> probe = Probe("x", torch.zeros(1, 2))
>>> U = Rep.space(probe, "hidden0", 3)
>>> P = Rep.permutation(U, [1, 2, 0])
>>> A = torch.tensor([[1.0, 2.0, 3.0]])
>>> P(A).tolist()
[[3.0, 1.0, 2.0]]
>>> (P >> P >> P) == Rep.identity(U)
True
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor

from catdyn.category import Category, Comparison, Morphism, Object
from catdyn.errors import ShapeError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy


@dataclass(frozen=True, eq=False)
class Probe:
    """Named probe inputs; two probes are equal when their names and data are (by a hash of
    the bytes).

    >>> import torch
    >>> Probe("x", torch.ones(2, 3)) == Probe("x", torch.ones(2, 3))
    True
    """

    name: str
    data: Tensor

    @property
    def fingerprint(self) -> str:
        """A short hash of the probe's shape, dtype and values."""
        arr = self.data.detach().cpu().contiguous()
        raw = arr.numpy().tobytes() if arr.dtype != torch.bfloat16 else arr.float().numpy().tobytes()
        return hashlib.blake2b(raw + str((tuple(arr.shape), arr.dtype)).encode(), digest_size=6).hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Probe) and (self.name, self.fingerprint) == (other.name, other.fingerprint)

    def __hash__(self) -> int:
        return hash((self.name, self.fingerprint))

    def __len__(self) -> int:
        return int(self.data.shape[0])


@dataclass(frozen=True, eq=False, repr=False)
class RepSpace(Object):
    """The representation space of ``layer`` on ``probe``, with ``width`` coordinates.

    >>> import torch
    >>> Rep.space(Probe("x", torch.zeros(4, 2)), "hidden0", 3).name
    'Rep(x, hidden0, 3)'
    """

    probe: Probe
    layer: str
    width: int

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"Rep({self.probe.name}, {self.layer}, {self.width})"

    @property
    def category(self) -> RepCategory:
        return Rep

    def _key(self) -> Hashable:
        return (self.probe, self.layer, int(self.width))

    def check(self, activations: Tensor) -> Tensor:
        """``activations`` if it is an element (shape ``(N, width)``), else a ShapeError."""
        shape = tuple(activations.shape)
        if shape != (len(self.probe), self.width):
            raise ShapeError(
                f"an element of {self.name} is a ({len(self.probe)}, {self.width}) activation matrix, got {shape}",
                "Realise the layer on the space's probe",
            )
        return activations


@dataclass(frozen=True, eq=False, repr=False)
class RepMap(Morphism):
    """A linear map ``dom → cod`` given by a ``(cod.width, dom.width)`` float64 matrix.

    >>> import torch
    >>> U = Rep.space(Probe("x", torch.zeros(1, 1)), "h", 2)
    >>> Rep.linear("M", U, U, [[1.0, 1.0], [0.0, 1.0]])(torch.tensor([[1.0, 2.0]])).tolist()
    [[3.0, 2.0]]
    """

    name: str
    dom: RepSpace
    cod: RepSpace
    matrix: np.ndarray

    def __post_init__(self) -> None:
        m = np.array(self.matrix, dtype=np.float64)
        if m.shape != (self.cod.width, self.dom.width):
            raise ShapeError(
                f"map {self.name}: {self.dom.name} → {self.cod.name} needs a ({self.cod.width}, {self.dom.width}) "
                f"matrix, got {m.shape}",
                "Rows are target coordinates, columns source coordinates",
            )
        m.setflags(write=False)
        object.__setattr__(self, "matrix", m)

    @property
    def category(self) -> RepCategory:
        return Rep

    def _data_key(self) -> Hashable:
        return self.matrix.tobytes()

    @property
    def is_permutation(self) -> bool:
        """Whether the matrix permutes coordinates."""
        m = self.matrix
        return (
            m.shape[0] == m.shape[1]
            and bool(np.all((m == 0) | (m == 1)))
            and bool(np.all(m.sum(0) == 1))
            and bool(np.all(m.sum(1) == 1))
        )

    def __call__(self, activations: Tensor) -> Tensor:
        """The image ``A @ M.T`` of an activation matrix (in its dtype and device)."""
        self.dom.check(activations)
        m = torch.tensor(self.matrix, dtype=activations.dtype, device=activations.device)
        return activations @ m.T


class RepCategory(Category):
    """Representation spaces and linear maps (use the instance ``Rep``)."""

    name = "Rep"

    def __init__(self, atol: float = 1e-9) -> None:
        self.atol = atol

    # --- constructors -------------------------------------------------------------------
    def space(self, probe: Probe, layer: str, width: int) -> RepSpace:
        """The object (probe, layer) of ``width`` coordinates."""
        return RepSpace(probe, layer, int(width))

    def linear(self, name: str, dom: RepSpace, cod: RepSpace, matrix: Any) -> RepMap:
        """A linear map from its matrix (rows: coordinates of ``cod``)."""
        return RepMap(name, dom, cod, np.asarray(matrix, dtype=np.float64))

    def permutation(
        self, space: RepSpace, pi: Sequence[int] | np.ndarray | Tensor, name: str = "P"
    ) -> RepMap:
        """The coordinate permutation sending coordinate ``j`` to ``π[j]`` (``P[π[j], j] = 1``)."""
        p = np.asarray(pi.cpu() if isinstance(pi, Tensor) else pi, dtype=np.int64)
        if p.shape != (space.width,) or not np.array_equal(np.sort(p), np.arange(space.width)):
            raise ShapeError(
                f"{name} must permute the {space.width} coordinates of {space.name}, got {p.tolist()}",
                "Give a permutation of 0 … width − 1",
            )
        m = np.zeros((space.width, space.width))
        m[p, np.arange(space.width)] = 1.0
        return RepMap(name, space, space, m)

    # --- structure ----------------------------------------------------------------------
    def identity(self, obj: RepSpace) -> RepMap:  # type: ignore[override]
        return RepMap(f"id_{obj.name}", obj, obj, np.eye(obj.width))

    def compose(self, f: RepMap, g: RepMap) -> RepMap:  # type: ignore[override]
        return RepMap(f"{f.name} >> {g.name}", f.dom, g.cod, g.matrix @ f.matrix)

    def compare(self, f: Morphism, g: Morphism) -> Comparison:
        """Entrywise within ``atol``; exact (residual 0) when the matrices agree bit for bit."""
        if not (isinstance(f, RepMap) and isinstance(g, RepMap)) or (f.dom, f.cod) != (g.dom, g.cod):
            return Comparison(False, math.inf, exact=True)
        residual = float(np.max(np.abs(f.matrix - g.matrix), initial=0.0))
        return Comparison(residual <= self.atol, residual, exact=residual == 0.0)

    # --- generation ---------------------------------------------------------------------
    def objects(self) -> SearchStrategy[RepSpace]:  # type: ignore[override]
        """Spaces of width 1 to 4 over one small probe."""
        from hypothesis import strategies as st

        probe = Probe("probe", torch.zeros(2, 1))
        return st.integers(1, 4).map(lambda w: self.space(probe, f"layer{w}", w))

    def morphisms(self, dom: RepSpace, cod: RepSpace) -> SearchStrategy[RepMap]:  # type: ignore[override]
        """Matrices of small integers (so that products are exact in float64), and permutations."""
        from hypothesis import strategies as st

        entries = st.lists(st.integers(-3, 3), min_size=dom.width * cod.width, max_size=dom.width * cod.width)
        linear = entries.map(
            lambda e: RepMap("M", dom, cod, np.array(e, dtype=np.float64).reshape(cod.width, dom.width))
        )
        if dom != cod:
            return linear
        return st.one_of(
            linear, st.permutations(list(range(dom.width))).map(lambda p: self.permutation(dom, p))
        )


Rep = RepCategory()
"""Representation spaces and linear maps (a single instance)."""
