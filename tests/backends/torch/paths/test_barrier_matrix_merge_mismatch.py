"""``BarrierMatrix.merge`` joins pieces of one study only: a piece with other models, another
α grid or other metrics is refused, wherever it stands in the list (first, second, last, or
between compatible ones); compatible pieces merge into the whole, and one piece is itself."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix
from catdyn.errors import HomotopyError

ALPHAS = np.array([0.0, 0.5, 1.0])


def _piece(n: int, pairs: list[tuple[int, int]], alphas: np.ndarray = ALPHAS, metric: str = "loss") -> BarrierMatrix:
    rows = np.array([[float(i), 9.0, float(j)] for i, j in pairs])[:, : len(alphas)]
    return BarrierMatrix(n, alphas, pairs, {(metric, "test"): rows})


def _odd_ones() -> list[BarrierMatrix]:
    return [
        _piece(5, [(0, 2)]),  # other models
        _piece(4, [(0, 2)], alphas=np.array([0.0, 0.25, 1.0])),  # another grid
        _piece(4, [(0, 2)], metric="error"),  # other metrics
    ]


@pytest.mark.parametrize("position", [0, 1, 2, 3])
@pytest.mark.parametrize("odd", range(3))
def test_a_piece_of_another_study_is_refused_at_any_position(position: int, odd: int) -> None:
    good = [_piece(4, [(0, 1)]), _piece(4, [(1, 2)]), _piece(4, [(2, 3)])]
    parts = [*good[:position], _odd_ones()[odd], *good[position:]]
    with pytest.raises(HomotopyError, match="pieces"):
        BarrierMatrix.merge(parts)


def test_compatible_pieces_merge_into_the_whole() -> None:
    parts = [_piece(4, [(0, 1)]), _piece(4, [(1, 2), (0, 3)]), _piece(4, [(2, 3)])]
    merged = BarrierMatrix.merge(parts)
    assert merged.pairs == [(0, 1), (1, 2), (0, 3), (2, 3)]
    assert merged.profiles[("loss", "test")][:, 0].tolist() == [0.0, 1.0, 0.0, 2.0]


def test_one_piece_merges_into_itself() -> None:
    piece = _piece(4, [(1, 3), (0, 2)])
    merged = BarrierMatrix.merge([piece])
    assert merged.n == 4 and merged.pairs == [(1, 3), (0, 2)]
    assert np.array_equal(merged.alphas, ALPHAS)
    assert np.array_equal(merged.profiles[("loss", "test")], piece.profiles[("loss", "test")])
