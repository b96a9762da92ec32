"""The store's encoder takes a torch tensor as an array, and only a tensor: other torch objects
(a ``torch.Size`` is a tuple) and look-alikes from elsewhere are not arrays."""

from __future__ import annotations

import pytest

from catdyn.errors import StoreError
from catdyn.runner.store import decode, encode

torch = pytest.importorskip("torch")


class _LooksLikeATensor:
    """Not torch's, though it has ``detach`` and ``numel``."""

    def detach(self):
        return self

    def numel(self) -> int:
        return 1


def test_a_tensor_is_an_array_and_a_torch_size_is_a_tuple() -> None:
    tree, arrays = encode({"w": torch.ones(2), "shape": torch.Size([2, 3])})
    assert tree["w"] == {"__array__": "t0", "kind": "torch"} and list(arrays) == ["t0"]
    assert tree["shape"] == {"__tuple__": [2, 3]}
    assert decode(tree, arrays)["shape"] == (2, 3)


def test_a_look_alike_from_another_module_is_not_storable() -> None:
    with pytest.raises(StoreError):
        encode({"x": _LooksLikeATensor()})
