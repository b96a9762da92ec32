"""The modular-arithmetic data set: every pair of residues once, each labelled by the formula
(checked against a plain Python loop, not the vectorised code), one-hot tokens, a split fixed
by its seed, and clear errors for a non-prime modulus, an unknown operation or an empty split."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.modular import make_modular  # noqa: E402
from catdyn.errors import DatasetError  # noqa: E402

FORMULA = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def _pairs(split) -> list[tuple[int, int, int]]:
    """(a, b, label) of every example, decoded one by one from its one-hot rows."""
    out = []
    for x, y in zip(split.x, split.y):
        rows = x.tolist()
        assert all(sorted(r) == [0.0] * (len(r) - 1) + [1.0] for r in rows), "each token is one-hot"
        out.append((rows[0].index(1.0), rows[1].index(1.0), int(y)))
    return out


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("p", [2, 5, 11])
def test_labels_are_the_formula_mod_p_on_every_pair_once(op, p) -> None:
    s = make_modular(p=p, op=op, train_fraction=0.5, seed=3)
    pairs = _pairs(s.train) + _pairs(s.test)
    assert sorted((a, b) for a, b, _ in pairs) == [(a, b) for a in range(p) for b in range(p)]
    for a, b, label in pairs:
        assert label == FORMULA[op](a, b) % p, (a, b, label)
    assert s.train.n_classes == s.test.n_classes == p
    assert s.train.x.shape[1:] == (2, p) and s.train.x.dtype == torch.float32


def test_the_split_is_fixed_by_its_seed_and_moves_with_it() -> None:
    a, b, c = (make_modular(p=7, seed=s) for s in (0, 0, 1))
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.x, c.train.x)
    assert len(make_modular(p=7, train_fraction=0.3).train) == 49 - round(49 * 0.7)


@pytest.mark.parametrize(("kwargs", "word"), [({"p": 9}, "p = 9"), ({"p": 1}, "p = 1"), ({"p": True}, "p = True"),
                                              ({"op": "div"}, "op = 'div'"), ({"train_fraction": 1.0}, "train_fraction"),
                                              ({"p": 2, "train_fraction": 0.01}, "train_fraction")])
def test_bad_options_are_clear_errors(kwargs, word) -> None:
    with pytest.raises(DatasetError, match=word):
        make_modular(**kwargs)
