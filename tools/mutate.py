"""Mutation testing of catdyn's critical modules: plant one small bug at a time, run the tests
that cover its module, and count how many bugs the tests catch.

Why a harness of our own: catdyn installs ``categories/`` and ``backends/`` as
``catdyn.categories`` and ``catdyn.backends`` (setuptools ``package-dir``), so a module's file
and its import name do not share a path; mutmut copies the tree to its own layout and
cosmic-ray mutates the working tree in place. Here every mutant is applied in a temporary copy
of the repository, in which ``catdyn/categories`` and ``catdyn/backends`` are links to the copy's
own folders, so the copy imports itself (checked before any mutant runs); the working tree is
never written, not even on Ctrl-C.

Operators (a curated set of realistic single bugs, applied to expressions and statements
outside docstrings, annotations, f-strings, ``raise`` and ``assert``):

* ``cmp``: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``, ``is`` ↔ ``is not``;
* ``arith``: ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` → ``/`` (also in ``+=`` and friends);
* ``drop-term``: ``a + b`` or ``a - b`` → ``a``;
* ``const``: an integer constant ``n`` → ``n + 1`` (off by one);
* ``negate``: the test of an ``if``, ``while`` or conditional expression → ``not (test)``;
  ``not x`` → ``x``; ``-x`` → ``x``;
* ``boolop``: ``and`` ↔ ``or``;
* ``swap-args``: the first two positional arguments of a call swapped (not for calls symmetric
  in them, such as ``min``, nor for ``isinstance`` and ``getattr``, which would only raise);
* ``return-none``: ``return value`` → ``return None`` (returning early with nothing);
* ``drop-call``: a call used as a statement (``out.append(x)``, an in-place update) → ``pass``.

Each mutant runs the test files mapped to its module (:data:`MODULE_TESTS`), with ``-x`` and a
timeout; the tests failing (or failing to import) kill it. A mutant that passes them meets the
module's *related* tests too (every other test file that names the module's import path,
:func:`related_tests`): the mapping is a fast first tier, not the judge of what the suite
catches, and the result names the mutants only related tests killed (candidates for the
mapping). A mutant that passes those too meets the module's own docstring examples, as
``tests/test_doctests.py`` runs them in CI (:func:`doctest_test`): a kill there counts, and
is reported apart (``killed_by_doctest``, with the score without them), since a doctest shows
an example rather than testing behaviour. A timeout is checked before it counts as a kill
(:func:`judge`): on a loaded machine the unmutated tests can be slower than the limit too. The
score is (killed + timed out) / (killed + timed out + survived); ``undecided`` mutants (the
unmutated tests failed or timed out on the recheck) are listed and not counted.
``--no-related``, ``--no-doctest`` and ``--no-recheck`` give the first tier alone and every
timeout counted, as runs before 2 Dec 2026 09:00 UTC did (the doctest tier since 2 Dec 16:15 UTC).

Usage (slow: one pytest run per mutant; not part of ``make test`` or CI)::

    python tools/mutate.py --list                       # count the mutants per module
    python tools/mutate.py --max-mutants 60 --seed 1    # a random sample over all modules
    python tools/mutate.py --modules catdyn/classes.py --max-mutants 20
    python tools/mutate.py --mutant 'catdyn/classes.py:126:35:cmp:<=→<'  # rerun some by id
    python tools/mutate.py --max-mutants 30 --seed 2 --mutant ID ...      # a sample plus some

It prints the score and the survivors and writes a JSON result (``--out``).
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TORCH_TESTS = "tests/backends/torch/"

MODULE_TESTS: dict[str, tuple[str, ...]] = {
    # composition and the categories
    "catdyn/category.py": (
        "tests/core/test_core.py",
        "tests/core/test_composition_same_name_objects.py",
        "tests/core/test_category_composable.py",
        "tests/core/test_category_compare.py",
        "tests/core/test_category_text_and_truth.py",
    ),
    "categories/finset.py": (
        "tests/core/test_finset.py",
        "tests/core/test_finset_empty_hom.py",
        "tests/categories/test_finset_limits.py",
        "tests/core/test_core.py",
        "tests/core/test_composition_same_name_objects.py",
        "tests/core/test_finset_edges.py",
    ),
    "categories/mat.py": (
        "tests/categories/test_mat.py",
        "tests/categories/test_mat_entries_not_text.py",
        "tests/categories/test_mat_category_names.py",
        "tests/categories/test_mat_compare_ends.py",
        "tests/core/test_composition_same_name_objects.py",
        "tests/categories/test_mat_edges.py",
    ),
    "categories/perm.py": (
        "tests/core/test_perm.py",
        "tests/core/test_composition_same_name_objects.py",
        "tests/categories/test_perm_product.py",
        "tests/categories/test_perm_edges.py",
    ),
    "categories/paths.py": (
        "tests/categories/test_paths.py",
        "tests/core/test_composition_same_name_objects.py",
        "tests/categories/test_paths_edges.py",
    ),
    # the checker's engines and suites
    "catdyn/checker/engines.py": (
        "tests/checker/test_checker_law.py",
        "tests/checker/test_checker_failure_kind.py",
        "tests/checker/test_checker_mutations.py",
        "tests/checker/test_checker_symbolic_raise_note.py",
        "tests/checker/test_checker_comparison_order.py",
        "tests/checker/test_checker_refutation_detail.py",
        "tests/checker/test_checker_symbolic_polynomial_sides.py",
        "tests/checker/test_checker_engine_counts.py",
        "tests/checker/test_checker_symbolic_undecided_note.py",
    ),
    "catdyn/checker/suites.py": (
        "tests/checker/test_checker_suites.py",
        "tests/checker/test_checker_mutations.py",
        "tests/checker/test_checker_pullback_zero_apex.py",
        "tests/checker/test_checker_pullback_too_large_apex_mat.py",
        "tests/checker/test_checker_pullback_second_factorisation_mat.py",
        "tests/checker/test_checker_enumeration_cap.py",
        "tests/checker/test_checker_pullback_empty_cone.py",
        "tests/checker/test_checker_law_subjects.py",
        "tests/checker/test_checker_chain_strategy.py",
        "tests/checker/test_checker_suites_enumerated_counts.py",
        "tests/checker/test_checker_suites_cones_reference.py",
    ),
    # homotopy classes, barriers, alignment, landscapes
    "catdyn/classes.py": (
        "tests/test_classes.py",
        "tests/test_classes_merge_heights.py",
        "tests/test_classes_spread_reference.py",
        "tests/test_classes_linkage_reference.py",
        "tests/test_classes_mantel_degenerate.py",
        "tests/test_classes_persistent_counts.py",
        "tests/test_classes_mantel_pvalue.py",
        "tests/test_classes_contracts.py",
    ),
    "backends/torch/paths/alignment.py": (
        TORCH_TESTS + "paths/test_alignment.py",
        TORCH_TESTS + "paths/test_alignment_planted_recovery.py",
        TORCH_TESTS + "paths/test_alignment_activation_reference.py",
        TORCH_TESTS + "paths/test_alignment_activation_weight_matched_groups.py",
        TORCH_TESTS + "paths/test_alignment_weight_matching_max_sweeps.py",
        TORCH_TESTS + "paths/test_alignment_align_default_seed.py",
        TORCH_TESTS + "paths/test_alignment_brute_force.py",
    ),
    "backends/torch/paths/barrier_matrix.py": (
        TORCH_TESTS + "paths/test_barrier_matrix.py",
        TORCH_TESTS + "paths/test_barrier_endpoint_values.py",
        TORCH_TESTS + "paths/test_barrier_matrix_model_count.py",
        TORCH_TESTS + "paths/test_barrier_matrix_value_round_trip.py",
        TORCH_TESTS + "paths/test_barrier_matrix_alignment_seed.py",
        TORCH_TESTS + "paths/test_barrier_matrix_merge_mismatch.py",
        TORCH_TESTS + "paths/test_barrier_matrix_to_arrays.py",
        TORCH_TESTS + "paths/test_barrier_matrix_reference.py",
    ),
    # the affine-first-layer route computes the barrier profiles of BN-free MLPs
    "backends/torch/paths/affine_route.py": (
        TORCH_TESTS + "paths/test_affine_route.py",
        TORCH_TESTS + "paths/test_barrier_matrix.py",
        TORCH_TESTS + "paths/test_affine_route_point_loop.py",
        TORCH_TESTS + "paths/test_affine_route_block_sizes.py",
        TORCH_TESTS + "paths/test_affine_route_helpers.py",
    ),
    "backends/torch/landscapes/landscape.py": (
        TORCH_TESTS + "landscapes/test_landscape.py",
        TORCH_TESTS + "landscapes/test_landscape_affine_cache_block.py",
        TORCH_TESTS + "landscapes/test_landscape_default_directions.py",
        TORCH_TESTS + "landscapes/test_landscape_method_dispatch.py",
        TORCH_TESTS + "landscapes/test_landscape_direct_evaluation.py",
    ),
    # topology: cubical persistence and the study statistics
    "catdyn/topology/cubical.py": (
        "tests/topology/test_cubical.py",
        "tests/topology/test_topology_features.py",
        "tests/topology/test_cubical_absent_dimensions.py",
        "tests/topology/test_cubical_reference.py",
    ),
    "catdyn/topology/study.py": (
        "tests/topology/test_study.py",
        "tests/topology/test_study_rank.py",
        "tests/topology/test_study_permutation_pvalue_closed_forms.py",
        "tests/topology/test_study_reference.py",
    ),
    # the store and the ensemble update
    "catdyn/runner/store.py": (
        "tests/runner/test_runner_store.py",
        "tests/runner/test_runner_store_encode_tensors.py",
        "tests/runner/test_runner_store_interrupted_runs.py",
        "tests/runner/test_runner_store_metric_values.py",
        "tests/runner/test_runner_store_record_order.py",
        "tests/runner/test_runner_store_reserved_keys.py",
        "tests/runner/test_runner_store_clean_temporaries.py",
        "tests/runner/test_runner_store_run_ids.py",
        "tests/runner/test_runner_store_write_probe.py",
        "tests/runner/test_runner_verify.py",
        "tests/runner/test_runner_store_verify_problems.py",
        "tests/runner/test_runner_store_failure_kinds.py",
        "tests/runner/test_runner_store_tasks_and_runs.py",
        "tests/runner/test_runner_store_values_and_files.py",
    ),
    "backends/torch/training/ensemble.py": (
        TORCH_TESTS + "training/test_ensemble.py",
        TORCH_TESTS + "training/test_ensemble_infinite_loss.py",
        TORCH_TESTS + "training/test_ensemble_single_layer.py",
        TORCH_TESTS + "training/test_ensemble_first_layer_kernels_deep.py",
        TORCH_TESTS + "training/test_ensemble_evaluate_blocks.py",
        TORCH_TESTS + "training/test_ensemble_failed_at_first_step.py",
        TORCH_TESTS + "training/test_ensemble_two_failures.py",
        TORCH_TESTS + "training/test_engines_fast_mlp_gradients.py",
    ),
    # the ensemble's gradient engines (the fast MLP one's hand-written backward, the kernel cache)
    "backends/torch/training/engines.py": (
        TORCH_TESTS + "training/test_ensemble.py",
        TORCH_TESTS + "training/test_ensemble_infinite_loss.py",
        TORCH_TESTS + "training/test_ensemble_single_layer.py",
        TORCH_TESTS + "training/test_ensemble_first_layer_kernels_deep.py",
        TORCH_TESTS + "training/test_ensemble_first_layer_kernel_cache.py",
        TORCH_TESTS + "training/test_engines_fast_mlp_gradients.py",
    ),
    # the optimisers' folded updates run inside the ensemble: its tests cover them too
    "backends/torch/training/optim.py": (
        TORCH_TESTS + "training/test_optim.py",
        TORCH_TESTS + "training/test_ensemble.py",
        TORCH_TESTS + "training/test_optim_sgd_unfolded_step.py",
        TORCH_TESTS + "training/test_optim_scalar_hyperparameters.py",
        TORCH_TESTS + "training/test_optim_hyperparameter_bounds.py",
    ),
}
"""Each critical module and the test files that cover it (the only tests run for its mutants)."""

RELATED_EXCLUDED: tuple[str, ...] = (
    "tests/runner/test_runner_ray",
    "tests/test_bench_",
    "tests/test_mutate_harness",
    "tests/test_packaging.py",
)
"""Test files never run as related tests: Ray clusters and benchmarks (slow, and not about a
module's behaviour), this harness's own tests (they name import paths in their fixtures), and
the packaging test (it builds a wheel from ``git ls-files``: the copy has no ``.git``, so it
errors there, and one file erroring unmutated leaves a module with no related tier at all)."""

RELATED_VIA: dict[str, tuple[str, tuple[str, ...]]] = {
    # no test names catdyn.checker.engines: check_law (catdyn.checker.law) imports it lazily, and
    # tests reach it through `from catdyn.checker import check_law` or catdyn.checker.law; every
    # test of the package uses them, so only the checker's own tests are its related tests
    "catdyn/checker/engines.py": ("tests/checker/", ("catdyn.checker",)),
}
"""Modules that tests reach through other import paths: ``module → (folder, import paths)``.
Files under ``folder`` naming one of those paths (or a submodule of one) are related tests too."""

DOCTESTS = "tests/test_doctests.py::test_docstring_examples_run"
"""The CI test that runs every module's docstring examples, parametrised by import name."""


def import_name(module: str) -> str:
    """The dotted name a critical module is imported by (``categories/`` and ``backends/`` are
    installed inside ``catdyn``).

    >>> import_name("categories/finset.py"), import_name("catdyn/checker/suites.py")
    ('catdyn.categories.finset', 'catdyn.checker.suites')
    """
    dotted = module.removesuffix(".py").replace("/", ".")
    return dotted if dotted.startswith("catdyn.") else "catdyn." + dotted


def related_tests(module: str, root: Path = ROOT) -> tuple[str, ...]:
    """Test files that name ``module``'s import path but are not in :data:`MODULE_TESTS`: the
    second tier, run only for mutants that survive the mapped tests (so a test the mapping
    missed still kills, and the result says which mutants needed it). For a module in
    :data:`RELATED_VIA`, also the files under its folder naming the paths tests reach it by."""
    def pattern(name: str) -> re.Pattern[str]:
        return re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])")

    searches = [("tests/", pattern(import_name(module)))]
    if module in RELATED_VIA:
        folder, names = RELATED_VIA[module]
        searches += [(folder, pattern(name)) for name in names]
    mapped = set(MODULE_TESTS[module])
    found = []
    for path in sorted((root / "tests").rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in mapped or rel.startswith(RELATED_EXCLUDED):
            continue
        text = path.read_text(errors="replace")
        if any(rel.startswith(folder) and p.search(text) for folder, p in searches):
            found.append(rel)
    return tuple(found)


def doctest_test(module: str) -> str:
    """The pytest node that runs ``module``'s own docstring examples (``tests/test_doctests.py``,
    part of ``make test``): the third tier, run only for mutants that survive the other two.

    >>> doctest_test("categories/mat.py")
    'tests/test_doctests.py::test_docstring_examples_run[catdyn.categories.mat]'
    """
    return f"{DOCTESTS}[{import_name(module)}]"


COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "runs", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis", ".ruff_cache",
    "build", "dist", "catdyn-runs",
)

_CMP_SWAP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div}


@dataclass(frozen=True)
class Mutant:
    """One planted bug: the source span ``[start, end)`` (UTF-8 byte offsets) of ``path`` is
    replaced by ``replacement``."""

    path: str
    line: int
    col: int
    operator: str
    start: int
    end: int
    original: str
    replacement: str
    ordinal: int = 1

    @property
    def id(self) -> str:
        """``path:line:column:operator``, with ``#k`` for the k-th mutant (k ≥ 2, in source
        order, outer before inner) of that same operator at that same place: nested sums and
        calls start where their first operand does (``a + b + c``'s two ``drop-term``)."""
        base = f"{self.path}:{self.line}:{self.col}:{self.operator}"
        return base if self.ordinal == 1 else f"{base}#{self.ordinal}"


# --- generating mutants ----------------------------------------------------------------------
def _skipped_children(node: ast.AST) -> set[str]:
    """Fields of ``node`` that hold no behaviour worth mutating (annotations, decorators)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {"returns", "decorator_list"}
    if isinstance(node, ast.ClassDef):
        return {"decorator_list"}
    if isinstance(node, ast.arg):
        return {"annotation"}
    if isinstance(node, ast.AnnAssign):
        return {"annotation"}
    return set()


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(body, list)
        and bool(body)
        and body[0] is node
    )


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(node: ast.AST, parent: ast.AST | None = None) -> Iterator[tuple[ast.AST, ast.AST | None]]:
    """Every node worth mutating with its parent, skipping whole subtrees that are not."""
    if isinstance(node, (ast.JoinedStr, ast.Raise, ast.Assert, ast.Global, ast.Nonlocal)) or isinstance(
        node, ast.pattern
    ):
        return
    if _is_docstring(node, parent) or _type_checking_block(node):
        return
    yield node, parent
    skip = _skipped_children(node)
    for name, value in ast.iter_fields(node):
        if name in skip:
            continue
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ast.AST):
                yield from _walk(child, node)


def _variants(node: ast.AST, parent: ast.AST | None) -> Iterator[tuple[str, ast.AST]]:
    """``(operator, mutated copy of node)`` for every operator that applies to ``node``."""
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in _CMP_SWAP:
                new = copy.deepcopy(node)
                new.ops[k] = _CMP_SWAP[type(op)]()
                yield f"cmp:{_op_text(op)}→{_op_text(new.ops[k])}", new
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH_SWAP:
        new = copy.deepcopy(node)
        new.op = _ARITH_SWAP[type(node.op)]()
        yield f"arith:{_op_text(node.op)}→{_op_text(new.op)}", new
        if isinstance(node.op, (ast.Add, ast.Sub)):
            yield "drop-term", copy.deepcopy(node.left)
    elif isinstance(node, ast.AugAssign) and type(node.op) in _ARITH_SWAP:
        new = copy.deepcopy(node)
        new.op = _ARITH_SWAP[type(node.op)]()
        yield f"arith:{_op_text(node.op)}=→{_op_text(new.op)}=", new
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        yield f"const:{node.value}→{node.value + 1}", ast.Constant(node.value + 1)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield "negate:drop-" + ("not" if isinstance(node.op, ast.Not) else "minus"), copy.deepcopy(node.operand)
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield f"boolop:{'and→or' if isinstance(node.op, ast.And) else 'or→and'}", new
    elif isinstance(node, ast.Call) and _called_name(node) not in _NO_SWAP:
        args = node.args
        if len(args) >= 2 and not any(isinstance(a, ast.Starred) for a in args[:2]):
            if ast.dump(args[0]) != ast.dump(args[1]):
                new = copy.deepcopy(node)
                new.args[0], new.args[1] = new.args[1], new.args[0]
                yield "swap-args", new
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "return-none", ast.Return(ast.Constant(None))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "drop-call", ast.Pass()
    if (
        isinstance(parent, (ast.If, ast.While, ast.IfExp))
        and isinstance(node, ast.expr)
        and node is parent.test
        and not isinstance(node, ast.UnaryOp)
    ):
        yield "negate:test", ast.UnaryOp(ast.Not(), copy.deepcopy(node))


_NO_SWAP = frozenset(
    {
        # symmetric in their first two arguments: swapping them changes nothing
        "min", "max", "maximum", "minimum", "fmax", "fmin", "equal", "array_equal", "allclose",
        "isclose", "hypot", "add", "multiply", "mul", "logical_and", "logical_or",
        # swapped, these only raise a TypeError at once: no realistic bug
        "isinstance", "issubclass", "hasattr", "getattr", "setattr",
    }
)
"""Calls whose first two arguments are not swapped (see above)."""


def _called_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _op_text(op: ast.AST) -> str:
    return {
        ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+",
        ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    }[type(op)]


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    for i, b in enumerate(data):
        if b == 10:
            starts.append(i + 1)
    return starts


def mutants_of(path: str, source: bytes, *, check: bool = True) -> list[Mutant]:
    """Every mutant of one module's ``source``, each checked to parse and to change the AST
    (``check=False`` skips that check, a parse of the whole module per mutant: :func:`valid`
    then checks the ones that are run).

    >>> ms = mutants_of("m.py", b"def f(a, b):\\n    return a < b + 1\\n")
    >>> sorted({m.operator for m in ms})
    ['arith:+→-', 'cmp:<→<=', 'const:1→2', 'drop-term', 'return-none']
    >>> [m.replacement for m in ms if m.operator == 'cmp:<→<=']
    ['(a <= b + 1)']
    """
    tree = ast.parse(source)
    starts = _line_starts(source)
    original_dump = ast.dump(tree)
    out: list[Mutant] = []
    seen: dict[tuple[int, int, str], int] = {}
    for node, parent in _walk(tree):
        if not hasattr(node, "lineno") or getattr(node, "end_lineno", None) is None:
            continue
        begin = starts[node.lineno - 1] + node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset
        for operator, new in _variants(node, parent):
            text = ast.unparse(ast.fix_missing_locations(new))
            replacement = text if isinstance(new, ast.stmt) else f"({text})"
            original = source[begin:end].decode(errors="replace")
            place = (node.lineno, node.col_offset, operator)
            seen[place] = seen.get(place, 0) + 1  # counted before the check: ids do not depend on it
            mutant = Mutant(
                path, node.lineno, node.col_offset, operator, begin, end, original, replacement, seen[place]
            )
            if not check or valid(source, mutant, original_dump):
                out.append(mutant)
    return out


def valid(source: bytes, mutant: Mutant, original_dump: str | None = None) -> bool:
    """Whether ``mutant`` parses and changes the module's AST.

    >>> m = mutants_of("m.py", b"x = 1 + 2\\n", check=False)[0]
    >>> valid(b"x = 1 + 2\\n", m)
    True
    """
    if original_dump is None:
        original_dump = ast.dump(ast.parse(source))
    try:
        return ast.dump(ast.parse(apply(source, mutant))) != original_dump
    except SyntaxError:
        return False


def apply(source: bytes, mutant: Mutant) -> bytes:
    """``source`` with ``mutant`` planted.

    >>> m = mutants_of("m.py", b"x = 1 + 2\\n")[0]
    >>> apply(b"x = 1 + 2\\n", m)
    b'x = (1 - 2)\\n'
    """
    return source[: mutant.start] + mutant.replacement.encode() + source[mutant.end :]


# --- running them ----------------------------------------------------------------------------
@dataclass
class Outcome:
    """What the tests made of one mutant: ``killed`` (a test failed, or collection did),
    ``timeout`` (confirmed: see :func:`judge`), ``survived``, or ``undecided`` (the unmutated
    tests themselves failed or ran out of time when checked again), with the seconds it took,
    pytest's last output line, which tests decided (``mapped`` or ``related``) and a note."""

    id: str
    path: str
    line: int
    operator: str
    original: str
    replacement: str
    status: str
    seconds: float
    detail: str = ""
    tier: str = "mapped"
    note: str = ""


class Workspace:
    """A temporary copy of the repository that imports itself; files are mutated only here."""

    def __init__(self, root: Path, python: str) -> None:
        self.python = python
        self._tmp = tempfile.TemporaryDirectory(prefix="catdyn-mutate-")
        self.root = Path(self._tmp.name) / "repo"
        shutil.copytree(root, self.root, ignore=COPY_IGNORE, symlinks=True)
        # catdyn.categories and catdyn.backends live in top-level folders (package-dir); found
        # through these links, they are the copy's, not the editable install's
        for name in ("categories", "backends"):
            (self.root / "catdyn" / name).symlink_to(Path("..") / name, target_is_directory=True)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(self.root),
            "PYTHONDONTWRITEBYTECODE": "1",  # a stale .pyc of a same-size mutant would hide it
            "HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci"),
        }
        self._check_imports_itself()

    def _check_imports_itself(self) -> None:
        names = ["catdyn.classes", "catdyn.categories.finset", "catdyn.backends"]
        code = "import importlib, sys; print('\\n'.join(importlib.import_module(n).__file__ for n in sys.argv[1:]))"
        done = subprocess.run(
            [self.python, "-c", code, *names], cwd=self.root, env=self.env, capture_output=True, text=True
        )
        files = done.stdout.split()
        if done.returncode != 0 or len(files) != len(names):
            raise SystemExit(f"the copy does not import: {done.stderr[-2000:]}")
        outside = [f for f in files if not Path(f).resolve().is_relative_to(self.root.resolve())]
        if outside:
            raise SystemExit(f"the copy imports catdyn from outside itself: {outside}")

    def run_tests(self, tests: Sequence[str], timeout: float) -> tuple[str, float, str]:
        """``("passed" | "failed" | "timeout", seconds, last line)`` of pytest on ``tests``."""
        cmd = [self.python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return "timeout", time.perf_counter() - t0, f"over {timeout:.0f} s"
        except BaseException:  # Ctrl-C: stop the tests too, then let the caller clean up
            _kill(proc)
            raise
        last = out.strip().splitlines()[-1] if out.strip() else ""
        return ("passed" if proc.returncode == 0 else "failed"), time.perf_counter() - t0, last

    def plant(self, mutant: Mutant) -> bytes:
        """Write ``mutant`` into the copy; returns the original bytes (for :meth:`restore`)."""
        target = self.root / mutant.path
        original = target.read_bytes()
        target.write_bytes(apply(original, mutant))
        return original

    def restore(self, mutant: Mutant, original: bytes) -> None:
        (self.root / mutant.path).write_bytes(original)

    def close(self) -> None:
        self._tmp.cleanup()


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _select(args: argparse.Namespace) -> tuple[list[Mutant], dict[str, int]]:
    modules = args.modules or sorted(MODULE_TESTS)
    unknown = [m for m in modules if m not in MODULE_TESTS]
    if unknown:
        raise SystemExit(f"not a critical module: {unknown} (known: {', '.join(sorted(MODULE_TESTS))})")
    pool: list[Mutant] = []
    counts: dict[str, int] = {}
    sources = {m: (ROOT / m).read_bytes() for m in modules}
    for m in modules:
        found = mutants_of(m, sources[m], check=False)
        if args.operators:
            found = [x for x in found if x.operator.split(":")[0] in args.operators]
        counts[m] = len(found)
        pool.extend(found)
    named: list[Mutant] = []
    if args.mutant:
        wanted = set(args.mutant)
        named = [m for m in pool if m.id in wanted]
        missing = wanted - {m.id for m in named}
        if missing:
            raise SystemExit(f"no such mutant: {sorted(missing)}")
    if args.max_mutants is not None and args.max_mutants < len(pool):
        # a sample, plus any named mutants (e.g. last run's survivors), under one set of baselines
        chosen = random.Random(args.seed).sample(pool, args.max_mutants)
        chosen += [m for m in named if m not in chosen]
        chosen.sort(key=lambda m: (m.path, m.start, m.operator))
    else:
        chosen = named if args.mutant else pool
    broken = [m.id for m in chosen if not valid(sources[m.path], m)]
    if broken:  # splicing a parenthesised expression or a statement in place cannot break syntax
        raise SystemExit(f"mutants that do not parse or change nothing: {broken}")
    return chosen, counts


def _baselines(ws: Workspace, modules: Sequence[str]) -> dict[str, float]:
    """The unmutated tests of each module must pass in the copy; their time sets the timeout."""
    out = {}
    for m in modules:
        status, seconds, last = ws.run_tests(MODULE_TESTS[m], timeout=1800)
        print(f"baseline {m}: {status} in {seconds:.1f} s ({last})", flush=True)
        if status != "passed":
            raise SystemExit(f"the tests of {m} fail without any mutant: {last}")
        out[m] = seconds
    return out


class Judge:
    """Runs one mutant's tests and decides its verdict (see :func:`judge`); keeps the
    unmutated time of each module's related tests and doctest, measured the first time they
    are needed."""

    def __init__(self, ws: Workspace, *, related: bool, recheck: bool, doctest: bool = False) -> None:
        self.ws, self.related, self.recheck, self.doctest = ws, related, recheck, doctest
        self._wider: dict[tuple[str, str], tuple[tuple[str, ...], float | None, str]] = {}

    def related_of(self, module: str) -> tuple[tuple[str, ...], float | None, str]:
        """``(tests, unmutated seconds or None, note)``: ``None`` when there are none or they
        fail without a mutant (then they cannot judge one)."""
        return self._tier("related", module, related_tests(module, self.ws.root))

    def doctest_of(self, module: str) -> tuple[tuple[str, ...], float | None, str]:
        """The same for the module's own doctest (:func:`doctest_test`); ``None`` also when it
        does not run unmutated (skipped for a missing extra, or not collected)."""
        return self._tier("doctest", module, (doctest_test(module),))

    def _tier(self, name: str, module: str, tests: tuple[str, ...]) -> tuple[tuple[str, ...], float | None, str]:
        if (name, module) not in self._wider:
            if not tests:
                self._wider[name, module] = ((), None, "")
            else:
                status, seconds, last = self.ws.run_tests(tests, timeout=1800)
                print(f"{name} baseline {module}: {status} in {seconds:.1f} s ({last})", flush=True)
                ok = status == "passed" and (name != "doctest" or "1 passed" in last)
                if status == "passed" and not ok:
                    status = "did not run"
                self._wider[name, module] = (tests, seconds if ok else None, "" if ok else f"{name} tests {status}: {last}")
        return self._wider[name, module]

    def run(self, mutant: Mutant, tests: Sequence[str], limit: float) -> tuple[str, float, str]:
        original = self.ws.plant(mutant)
        try:
            return self.ws.run_tests(tests, limit)
        finally:
            self.ws.restore(mutant, original)


def judge(j: Judge, mutant: Mutant, limit: float) -> tuple[str, float, str, str, str]:
    """``(verdict, seconds, last line, tier, note)`` of one mutant.

    A timeout is no evidence of a kill on a loaded machine (the unmutated tests can slow down
    five-fold during a run). So, with ``recheck``, the unmutated tests run again at once: if they
    finish within a third of the limit, the timeout stands (the mutant made them at least three
    times slower); otherwise the mutant runs again with twice the limit the new time calls for
    (``2 × (3 × t + 30)``), and that run decides; unmutated tests that fail or time out leave it
    ``undecided`` (not counted). A mutant that survives the mapped tests meets the module's
    related tests (:func:`related_tests`), with ``related``, and then the module's own doctest
    (:func:`doctest_test`), with ``doctest``. ``tier`` is the tier that decided a kill, or the
    last one a survivor met.
    """
    tests = MODULE_TESTS[mutant.path]
    status, seconds, last = j.run(mutant, tests, limit)
    note = ""
    if status == "timeout" and j.recheck:
        status, seconds, last, note = _recheck_timeout(j, mutant, tests, limit, seconds, last)
    tier = "mapped"
    tiers = [("related", j.related_of)] if j.related else []
    tiers += [("doctest", j.doctest_of)] if j.doctest else []
    for name, of in tiers:
        if status != "passed":
            break
        wider, base, why = of(mutant.path)
        if base is None:
            note = "; ".join(x for x in (note, why) if x)
            continue
        tier = name
        wide_limit = max(limit, 3 * base + 30)
        status, more, last = j.run(mutant, wider, wide_limit)
        if status == "timeout" and j.recheck:
            status, more, last, note = _recheck_timeout(j, mutant, wider, wide_limit, more, last)
        seconds += more
    return _VERDICT[status], seconds, last, tier, note


_VERDICT = {"failed": "killed", "passed": "survived", "timeout": "timeout", "undecided": "undecided"}


def _recheck_timeout(
    j: Judge, mutant: Mutant, tests: Sequence[str], limit: float, seconds: float, last: str
) -> tuple[str, float, str, str]:
    status, clean, clean_last = j.ws.run_tests(tests, timeout=max(1800.0, 2 * limit))
    if status != "passed":
        return "undecided", seconds, last, f"unmutated tests {status} on recheck: {clean_last}"
    if 3 * clean <= limit:
        return "timeout", seconds, last, f"unmutated tests took {clean:.0f} s on recheck, the mutant over {limit:.0f} s"
    longer = 2 * (3 * clean + 30)
    status, again, last = j.run(mutant, tests, longer)
    note = f"timed out at {limit:.0f} s; unmutated tests then took {clean:.0f} s; rerun with {longer:.0f} s"
    return status, again, last, note


def run(args: argparse.Namespace) -> dict:
    chosen, counts = _select(args)
    result: dict = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python tools/mutate.py " + " ".join(sys.argv[1:]),
        "seed": args.seed,
        "mutants_per_module": counts,
        "pool": sum(counts.values()),
        "sample": len(chosen),
        "related_tests": not args.no_related,
        "timeout_recheck": not args.no_recheck,
        "doctest_tier": not args.no_doctest,
        "outcomes": [],
        "interrupted": False,
    }
    ws = Workspace(ROOT, args.python)
    j = Judge(ws, related=not args.no_related, recheck=not args.no_recheck, doctest=not args.no_doctest)
    try:
        base = _baselines(ws, sorted({m.path for m in chosen}))
        result["baseline_seconds"] = base
        for k, mutant in enumerate(chosen, 1):
            timeout = args.timeout or max(60.0, 3 * base[mutant.path] + 30)
            verdict, seconds, last, tier, note = judge(j, mutant, timeout)
            outcome = Outcome(
                mutant.id, mutant.path, mutant.line, mutant.operator, mutant.original[:200],
                mutant.replacement[:200], verdict, round(seconds, 2), last[:300], tier, note[:300],
            )
            result["outcomes"].append(asdict(outcome))
            extra = f" ({tier} tests)" if tier != "mapped" else ""
            print(f"[{k}/{len(chosen)}] {verdict:9s} {seconds:6.1f} s  {mutant.id}{extra}", flush=True)
    except KeyboardInterrupt:
        result["interrupted"] = True
        print("interrupted: the copy is removed, the working tree was never touched", flush=True)
    finally:
        ws.close()
    return _summarise(result)


def _summarise(result: dict) -> dict:
    outcomes = result["outcomes"]
    kinds = ("killed", "timeout", "survived", "undecided")
    tally = {s: sum(o["status"] == s for o in outcomes) for s in kinds}
    decided = tally["killed"] + tally["timeout"] + tally["survived"]
    result.update(tally)
    result["score"] = round((tally["killed"] + tally["timeout"]) / decided, 4) if decided else None
    result["killed_by_related"] = sum(o.get("tier") == "related" and o["status"] in ("killed", "timeout") for o in outcomes)
    # caught by CI (tests/test_doctests.py), but only by a docstring example: counted in the
    # score, and shown apart, with the score they would leave without it
    by_doctest = [o["id"] for o in outcomes if o.get("tier") == "doctest" and o["status"] in ("killed", "timeout")]
    result["killed_by_doctest"] = len(by_doctest)
    result["killed_by_doctest_mutants"] = by_doctest
    caught = tally["killed"] + tally["timeout"]
    result["score_without_doctest"] = round((caught - len(by_doctest)) / decided, 4) if decided else None
    per_module: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = per_module.setdefault(o["path"], dict.fromkeys(kinds, 0))
        row[o["status"]] += 1
    result["per_module"] = per_module
    result["survivors"] = [o for o in outcomes if o["status"] == "survived"]
    result["undecided_mutants"] = [o for o in outcomes if o["status"] == "undecided"]
    return result


def _report(result: dict) -> None:
    print()
    for path, row in sorted(result["per_module"].items()):
        n = row["killed"] + row["timeout"] + row["survived"]
        print(f"  {path:40s} {row['killed'] + row['timeout']:3d}/{n:3d} killed")
    score = result["score"]
    print(
        f"mutation score: {'n/a' if score is None else f'{100 * score:.1f} %'} "
        f"({result['killed']} killed, {result['timeout']} timed out, {result['survived']} survived, "
        f"{result['undecided']} undecided; sample {result['sample']} of {result['pool']} mutants)"
    )
    if result["killed_by_related"]:
        print(f"  {result['killed_by_related']} killed only by related tests (not in MODULE_TESTS):")
        for o in result["outcomes"]:
            if o.get("tier") == "related" and o["status"] in ("killed", "timeout"):
                print(f"    {o['id']}")
    if result.get("doctest_tier", True):
        without = result["score_without_doctest"]
        print(
            f"  {result['killed_by_doctest']} killed only by the module's doctest (tests/test_doctests.py); "
            f"without them: {'n/a' if without is None else f'{100 * without:.1f} %'}"
        )
        for mutant_id in result["killed_by_doctest_mutants"]:
            print(f"    {mutant_id}")
    for title, key in (("survivors", "survivors"), ("undecided (not counted)", "undecided_mutants")):
        if result[key]:
            print(f"{title}:")
            for o in result[key]:
                print(f"  {o['id']}: {o['original']!r} → {o['replacement']!r}")


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--modules", nargs="+", action="extend", help="critical modules to mutate (default: all; repeatable)"
    )
    parser.add_argument("--max-mutants", type=int, help="a random sample of this many mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--operators", nargs="+", help="only these operator kinds (cmp, arith, const, …)")
    parser.add_argument(
        "--mutant",
        nargs="+",
        action="extend",
        help="run these mutant ids (only these, or these too with --max-mutants; repeatable)",
    )
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 3 × baseline + 30)")
    parser.add_argument(
        "--no-related", action="store_true", help="judge survivors by the mapped tests alone (no related tests)"
    )
    parser.add_argument(
        "--no-recheck", action="store_true", help="count every timeout as a kill (no recheck of the unmutated tests)"
    )
    parser.add_argument(
        "--no-doctest", action="store_true", help="no doctest tier (the module's docstring examples are not run)"
    )
    parser.add_argument("--list", action="store_true", help="count the mutants, run nothing")
    parser.add_argument("--out", default="runs/mutation.json", help="where the JSON result goes")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs pytest")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # a kill cleans up like Ctrl-C
    if args.list:
        chosen, counts = _select(args)
        for path, n in counts.items():
            print(f"{path:40s} {n:5d}")
        print(f"{'total':40s} {sum(counts.values()):5d} (selected: {len(chosen)})")
        if args.mutant or args.max_mutants:
            for m in chosen:
                print(f"  {m.id}: {m.original!r} → {m.replacement!r}")
        return 0
    result = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    _report(result)
    print(f"result written to {out}")
    return 130 if result["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
