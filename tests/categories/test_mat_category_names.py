"""A MatR category's name tells its tolerance: two instances are the same category exactly
when their names agree, and the default instance is called plainly ``MatR``.

The name is what every report, law subject and composition error shows; a name shared by two
different tolerances would make two categories look like one (and refuse to compose, or give
different verdicts, under the same name).
"""

from __future__ import annotations

import itertools

from catdyn.categories.mat import MatR, MatRCategory

TOLERANCES = [0.0, 1e-12, 1e-9, 1e-6, 1e-3]


def test_the_default_instance_is_called_matr() -> None:
    assert MatR.name == "MatR"
    assert MatRCategory().name == "MatR"
    assert MatRCategory(atol=1e-9, rtol=1e-9).name == "MatR"


def test_names_agree_exactly_when_the_categories_do() -> None:
    cats = [MatRCategory(atol=a, rtol=r) for a, r in itertools.product(TOLERANCES, TOLERANCES)]
    for c, d in itertools.product(cats, cats):
        assert (c.name == d.name) == (c == d), (c.atol, c.rtol, d.atol, d.rtol, c.name, d.name)


def test_a_non_default_name_shows_both_tolerances() -> None:
    for a, r in itertools.product(TOLERANCES, TOLERANCES):
        if (a, r) == (1e-9, 1e-9):
            continue
        name = MatRCategory(atol=a, rtol=r).name
        assert name.startswith("MatR(") and f"atol={a:g}" in name and f"rtol={r:g}" in name, name
