"""The mutation harness (tools/mutate.py): its operators plant the bugs they say, only there,
and a mutant is only ever written into a temporary copy that imports itself."""

from __future__ import annotations

import ast
import doctest
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("catdyn_tools_mutate", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    yield module
    sys.modules.pop(spec.name, None)  # type: ignore[union-attr]


SOURCE = '''"""Docstring with 1 < 2 in it."""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os


def f(a: int = 3, b: list[int] | None = None) -> int:
    """A docstring: a + b."""
    assert a >= 0
    if a < 2 and b:
        raise ValueError(f"bad {a + 1}")
    out = []
    out.append(a - 1)
    total = max(a, 5) + pow(a, 2)
    return total if not b else -a
'''


def test_operators_plant_what_they_say_and_skip_what_holds_no_behaviour(mutate) -> None:
    ms = mutate.mutants_of("m.py", SOURCE.encode())
    ops = {m.operator for m in ms}
    assert {"cmp:<→<=", "boolop:and→or", "negate:test", "const:2→3", "arith:-→+", "drop-term"} <= ops
    assert {"drop-call", "swap-args", "return-none", "negate:drop-not", "negate:drop-minus"} <= ops
    lines = SOURCE.splitlines()
    for m in ms:
        text = lines[m.line - 1]
        # nothing in docstrings, annotations, TYPE_CHECKING, assert, raise or f-strings
        assert not text.lstrip().startswith(('"""', "assert", "raise", "import", "def f")) or (
            m.operator.startswith("const") and "= 3" in text
        ), m.id
        mutated = mutate.apply(SOURCE.encode(), m)
        assert ast.dump(ast.parse(mutated)) != ast.dump(ast.parse(SOURCE)), m.id
        assert mutated.decode().count("\n") <= SOURCE.count("\n")
    swaps = [m for m in ms if m.operator == "swap-args"]
    assert [m.original for m in swaps] == ["pow(a, 2)"]  # max(a, 5) is symmetric: not swapped


def test_offsets_are_bytes_so_non_ascii_source_splices_right(mutate) -> None:
    source = "σ = 'θ→∞'\nx = σ + 'α'\n".encode()
    (m,) = [m for m in mutate.mutants_of("m.py", source) if m.operator == "arith:+→-"]
    assert mutate.apply(source, m).decode() == "σ = 'θ→∞'\nx = (σ - 'α')\n"


def test_a_mutant_is_planted_only_in_the_copy_and_the_copy_goes_away(mutate) -> None:
    target = ROOT / "catdyn" / "classes.py"
    before = target.read_bytes()
    ws = mutate.Workspace(ROOT, sys.executable)  # checks that the copy imports itself
    try:
        m = next(x for x in mutate.mutants_of("catdyn/classes.py", before) if x.operator.startswith("cmp"))
        original = ws.plant(m)
        assert original == before
        assert (ws.root / "catdyn" / "classes.py").read_bytes() == mutate.apply(before, m)
        assert target.read_bytes() == before
        # the copy's catdyn.categories is the copy's folder
        assert (ws.root / "catdyn" / "categories").resolve() == (ws.root / "categories").resolve()
        ws.restore(m, original)
        assert (ws.root / "catdyn" / "classes.py").read_bytes() == before
    finally:
        ws.close()
    assert not ws.root.exists()


def test_every_critical_module_and_its_tests_exist(mutate) -> None:
    for module, tests in mutate.MODULE_TESTS.items():
        assert (ROOT / module).is_file(), module
        assert tests and all((ROOT / t).is_file() for t in tests), module


def test_docstring_examples(mutate) -> None:
    result = doctest.testmod(mutate)
    assert result.attempted > 0 and result.failed == 0


def test_mutant_ids_are_unique_where_nested_expressions_start_together(mutate) -> None:
    # ((a + "-") + b) and (a + "-") both start at column 4: two drop-terms, two sums, two ids
    source = b'x = a + "-" + b\nf(g(1, 2), 3)\n'
    ms = mutate.mutants_of("m.py", source)
    ids = [m.id for m in ms]
    assert len(ids) == len(set(ids))
    drops = {m.id: m.replacement for m in ms if m.operator == "drop-term"}
    assert drops == {"m.py:1:4:drop-term": "(a + '-')", "m.py:1:4:drop-term#2": "(a)"}
    swaps = {m.id: m.original for m in ms if m.operator == "swap-args"}
    assert swaps == {"m.py:2:0:swap-args": "f(g(1, 2), 3)", "m.py:2:2:swap-args": "g(1, 2)"}
    # the ids of a module's mutants do not depend on the parse check being made
    assert [m.id for m in mutate.mutants_of("m.py", source, check=False)] == ids


def test_repeated_mutant_and_module_flags_add_up(mutate, capsys) -> None:
    # `--mutant A --mutant B` runs both (argparse's nargs="+" alone keeps only the last flag's)
    mutate.main(["--list", "--modules", "catdyn/category.py"])
    ids = [line.split(": ")[0].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert ids == []  # no sample asked for: counts only
    mutate.main(["--list", "--modules", "catdyn/category.py", "--max-mutants", "3", "--seed", "0"])
    three = [line.split(": ")[0].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert len(three) == 3
    mutate.main(["--list", "--mutant", three[0], "--mutant", three[1], three[2]])
    listed = [line.split(": ")[0].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert sorted(listed) == sorted(three)
    mutate.main(["--list", "--modules", "catdyn/category.py", "--modules", "categories/perm.py"])
    counted = [line.split()[0] for line in capsys.readouterr().out.splitlines()[:-1]]
    assert counted == ["catdyn/category.py", "categories/perm.py"]
