"""Matrix data must be rows of entries: a string or bytes is text, not a column of digits, and
a lone number is not a matrix. Each is a ShapeError, in both fields."""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.categories.mat import MatQ, MatR
from catdyn.errors import ShapeError


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
@pytest.mark.parametrize("data", ["12", b"12", 5, 1.5], ids=["str", "bytes", "int", "float"])
def test_text_or_a_scalar_is_not_matrix_data(cat, data) -> None:
    A, B = cat.object("A", 1), cat.object("B", 2)
    with pytest.raises(ShapeError, match="has shape \\(\\)"):
        cat.matrix("f", A, B, data)
    # the same entries as rows are fine
    assert cat.matrix("f", A, B, [[1], [2]]).shape == (2, 1)


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
def test_a_numpy_array_of_the_right_shape_is_matrix_data(cat) -> None:
    A, B = cat.object("A", 1), cat.object("B", 2)
    f = cat.matrix("f", A, B, np.array([[1], [2]]))
    assert f.shape == (2, 1) and cat.compare(f, cat.matrix("g", A, B, [[1], [2]])).equal
    with pytest.raises(ShapeError):
        cat.matrix("f", A, B, np.array([1, 2]))
