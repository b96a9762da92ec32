"""How the mutation harness (tools/mutate.py) turns test runs into verdicts.

A timeout counts as a kill only when the unmutated tests, run again at once, finish well inside
the limit; otherwise the mutant runs again with a longer limit, and unmutated tests that fail
leave it undecided (not counted). A mutant that survives the mapped tests meets the module's
related tests, then the module's own doctest. The workspace here is scripted: each pytest run returns what the test says, and
the test checks which runs were made (mutated or not, which tests, what limit)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULE = "catdyn/classes.py"


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("catdyn_tools_mutate_judge", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    yield module
    sys.modules.pop(spec.name, None)  # type: ignore[union-attr]


class _Scripted:
    """A stand-in for ``Workspace``: ``run_tests`` answers from a script, keyed by whether a
    mutant is planted and whether the tests are the mapped ones."""

    def __init__(self, root: Path, script: dict[tuple[bool, str], list[tuple[str, float]]]) -> None:
        self.root = root
        self.script = {k: list(v) for k, v in script.items()}
        self.planted = False
        self.calls: list[tuple[bool, str, float]] = []
        self.mapped: tuple[str, ...] = ()

    def plant(self, mutant) -> bytes:
        self.planted = True
        return b""

    def restore(self, mutant, original: bytes) -> None:
        self.planted = False

    def run_tests(self, tests, timeout: float):
        tests = tuple(tests)
        which = "mapped" if tests == self.mapped else "doctest" if tests[0].startswith("tests/test_doctests.py::") else "related"
        self.calls.append((self.planted, which, timeout))
        status, seconds = self.script[(self.planted, which)].pop(0)
        if status == "timeout":
            seconds = timeout
        return ("passed" if status == "skipped" else status), seconds, f"1 {status} in {seconds:.1f}s"


def _judge(
    mutate,
    tmp_path: Path,
    script,
    *,
    related: bool = False,
    doctest: bool = False,
    limit: float = 100.0,
    related_file: bool = True,
):
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    if related_file:  # a test file the mapping does not name, importing the module
        (tests / "test_other.py").write_text("from catdyn.classes import n_classes\n")
    ws = _Scripted(tmp_path, script)
    ws.mapped = tuple(mutate.MODULE_TESTS[MODULE])
    j = mutate.Judge(ws, related=related, recheck=True, doctest=doctest)
    mutant = mutate.mutants_of(MODULE, (ROOT / MODULE).read_bytes())[0]
    return mutate.judge(j, mutant, limit), ws.calls


def test_a_timeout_stands_when_the_unmutated_tests_are_fast(mutate, tmp_path) -> None:
    (verdict, _, _, tier, note), calls = _judge(
        mutate, tmp_path, {(True, "mapped"): [("timeout", 0)], (False, "mapped"): [("passed", 20.0)]}
    )
    assert (verdict, tier) == ("timeout", "mapped")
    assert "20 s" in note
    assert calls == [(True, "mapped", 100.0), (False, "mapped", 1800.0)]


def test_a_timeout_on_a_slow_machine_is_run_again_with_a_longer_limit(mutate, tmp_path) -> None:
    # the unmutated tests now take 50 s: a 100 s limit proves nothing; 2 × (3 × 50 + 30) = 360 s
    (verdict, seconds, _, _, note), calls = _judge(
        mutate,
        tmp_path,
        {(True, "mapped"): [("timeout", 0), ("passed", 70.0)], (False, "mapped"): [("passed", 50.0)]},
    )
    assert verdict == "survived"
    assert seconds == 70.0
    assert calls[-1] == (True, "mapped", 360.0)
    assert "rerun with 360 s" in note


def test_a_second_timeout_with_the_longer_limit_is_a_kill(mutate, tmp_path) -> None:
    (verdict, *_), calls = _judge(
        mutate,
        tmp_path,
        {(True, "mapped"): [("timeout", 0), ("timeout", 0)], (False, "mapped"): [("passed", 50.0)]},
    )
    assert verdict == "timeout"
    assert [c[2] for c in calls] == [100.0, 1800.0, 360.0]


@pytest.mark.parametrize("unmutated", ["failed", "timeout"])
def test_unmutated_tests_failing_on_recheck_leave_it_undecided(mutate, tmp_path, unmutated) -> None:
    (verdict, *_rest), _ = _judge(
        mutate, tmp_path, {(True, "mapped"): [("timeout", 0)], (False, "mapped"): [(unmutated, 10.0)]}
    )
    assert verdict == "undecided"


def test_a_survivor_of_the_mapped_tests_meets_the_related_ones(mutate, tmp_path) -> None:
    script = {
        (True, "mapped"): [("passed", 5.0)],
        (False, "related"): [("passed", 10.0)],  # the related tests' own baseline, first
        (True, "related"): [("failed", 3.0)],
    }
    (verdict, seconds, _, tier, _), calls = _judge(mutate, tmp_path, script, related=True)
    assert (verdict, tier, seconds) == ("killed", "related", 8.0)
    assert calls == [(True, "mapped", 100.0), (False, "related", 1800.0), (True, "related", 100.0)]


def test_related_tests_that_fail_unmutated_judge_nothing(mutate, tmp_path) -> None:
    script = {(True, "mapped"): [("passed", 5.0)], (False, "related"): [("failed", 10.0)]}
    (verdict, _, _, tier, note), calls = _judge(mutate, tmp_path, script, related=True)
    assert (verdict, tier) == ("survived", "mapped")
    assert "related tests failed" in note
    assert len(calls) == 2  # the mutant never met them


def test_a_killed_mutant_never_runs_the_related_tests(mutate, tmp_path) -> None:
    (verdict, *_), calls = _judge(mutate, tmp_path, {(True, "mapped"): [("failed", 1.0)]}, related=True)
    assert verdict == "killed"
    assert calls == [(True, "mapped", 100.0)]


def test_related_tests_are_the_unmapped_files_naming_the_import_path(mutate, tmp_path) -> None:
    tests = tmp_path / "tests" / "sub"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text("from catdyn.classes import n_classes\n")
    (tests / "test_b.py").write_text("import catdyn.classes_extra\n")  # another module
    (tests / "test_c.py").write_text("x = 'not.catdyn.classes'\n")  # not the import path
    (tests / "helper.py").write_text("import catdyn.classes\n")  # not a test file
    mapped = tmp_path / mutate.MODULE_TESTS[MODULE][0]
    mapped.parent.mkdir(parents=True, exist_ok=True)
    mapped.write_text("import catdyn.classes\n")
    assert mutate.related_tests(MODULE, tmp_path) == ("tests/sub/test_a.py",)
    (tmp_path / "tests" / "test_bench_x.py").write_text("import catdyn.classes\n")  # benchmarks never
    assert mutate.related_tests(MODULE, tmp_path) == ("tests/sub/test_a.py",)


def test_undecided_mutants_are_listed_and_not_counted(mutate) -> None:
    rows = [("killed", "mapped"), ("timeout", "mapped"), ("survived", "mapped"), ("undecided", "mapped")]
    rows.append(("killed", "related"))
    outcomes = [
        {"id": f"m{i}", "path": MODULE, "status": s, "tier": t, "original": "", "replacement": ""}
        for i, (s, t) in enumerate(rows)
    ]
    result = mutate._summarise({"outcomes": outcomes})
    assert result["score"] == 0.75  # (2 killed + 1 timeout) / 4 decided
    assert result["undecided"] == 1 and [o["id"] for o in result["undecided_mutants"]] == ["m3"]
    assert result["killed_by_related"] == 1
    assert result["per_module"][MODULE] == {"killed": 2, "timeout": 1, "survived": 1, "undecided": 1}


def test_a_survivor_of_mapped_and_related_tests_meets_the_modules_doctest(mutate, tmp_path) -> None:
    script = {
        (True, "mapped"): [("passed", 5.0)],
        (False, "related"): [("passed", 10.0)],
        (True, "related"): [("passed", 9.0)],
        (False, "doctest"): [("passed", 4.0)],  # the doctest's own baseline, first
        (True, "doctest"): [("failed", 2.0)],
    }
    (verdict, seconds, _, tier, _), calls = _judge(mutate, tmp_path, script, related=True, doctest=True)
    assert (verdict, tier, seconds) == ("killed", "doctest", 16.0)
    assert calls == [
        (True, "mapped", 100.0),
        (False, "related", 1800.0),
        (True, "related", 100.0),
        (False, "doctest", 1800.0),
        (True, "doctest", 100.0),
    ]


def test_the_doctest_runs_only_after_every_other_tier_passed(mutate, tmp_path) -> None:
    script = {(True, "mapped"): [("passed", 5.0)], (False, "related"): [("passed", 10.0)], (True, "related"): [("failed", 1.0)]}
    (verdict, _, _, tier, _), calls = _judge(mutate, tmp_path, script, related=True, doctest=True)
    assert (verdict, tier) == ("killed", "related")
    assert all(which != "doctest" for _, which, _ in calls)


def test_a_doctest_passing_the_mutant_leaves_a_survivor_of_the_doctest_tier(mutate, tmp_path) -> None:
    script = {(True, "mapped"): [("passed", 5.0)], (False, "doctest"): [("passed", 4.0)], (True, "doctest"): [("passed", 4.0)]}
    (verdict, _, _, tier, _), _ = _judge(mutate, tmp_path, script, doctest=True)
    assert (verdict, tier) == ("survived", "doctest")


def test_a_doctest_skipped_unmutated_judges_nothing(mutate, tmp_path) -> None:
    # skipped for a missing extra: pytest passes, but no example ran, so it cannot kill
    script = {(True, "mapped"): [("passed", 5.0)], (False, "doctest"): [("skipped", 1.0)]}
    (verdict, _, _, tier, note), calls = _judge(mutate, tmp_path, script, doctest=True)
    assert (verdict, tier) == ("survived", "mapped")
    assert "doctest tests did not run" in note
    assert len(calls) == 2


def test_doctest_only_kills_are_counted_in_the_score_and_reported_apart(mutate, capsys) -> None:
    rows = [("killed", "mapped"), ("killed", "doctest"), ("timeout", "doctest"), ("survived", "doctest")]
    outcomes = [
        {"id": f"m{i}", "path": MODULE, "status": s, "tier": t, "original": "", "replacement": ""}
        for i, (s, t) in enumerate(rows)
    ]
    result = mutate._summarise({"outcomes": outcomes, "sample": 4, "pool": 10})
    assert result["score"] == 0.75
    assert result["killed_by_doctest"] == 2 and result["killed_by_doctest_mutants"] == ["m1", "m2"]
    assert result["score_without_doctest"] == 0.25
    mutate._report(result)
    printed = capsys.readouterr().out
    assert "2 killed only by the module's doctest" in printed and "without them: 25.0 %" in printed


def test_the_doctest_tier_is_the_ci_doctest_of_the_modules_import_name(mutate) -> None:
    assert mutate.doctest_test("categories/mat.py") == (
        "tests/test_doctests.py::test_docstring_examples_run[catdyn.categories.mat]"
    )
    assert mutate.doctest_test("backends/torch/paths/alignment.py").endswith("[catdyn.backends.torch.paths.alignment]")
    assert mutate.doctest_test("catdyn/classes.py").endswith("[catdyn.classes]")


def test_every_critical_modules_doctest_is_collected_by_pytest(mutate) -> None:
    nodes = [mutate.doctest_test(m) for m in sorted(mutate.MODULE_TESTS)]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *nodes],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = {line.strip() for line in done.stdout.splitlines()}
    assert set(nodes) <= collected


def test_the_engines_related_tests_are_the_checker_tests_reaching_it_through_check_law(mutate, tmp_path) -> None:
    engines = "catdyn/checker/engines.py"
    checker = tmp_path / "tests" / "checker"
    checker.mkdir(parents=True)
    (checker / "test_a.py").write_text("from catdyn.checker import CheckConfig, check_law\n")
    (checker / "test_b.py").write_text("from catdyn.checker.law import check_law\n")
    (checker / "test_c.py").write_text("import catdyn.checkers_other\n")  # not the package
    (tmp_path / "tests" / "core").mkdir()
    (tmp_path / "tests" / "core" / "test_d.py").write_text("from catdyn.checker import check_law\n")  # outside
    (tmp_path / "tests" / "core" / "test_e.py").write_text("import catdyn.checker.engines\n")  # names it
    assert mutate.related_tests(engines, tmp_path) == (
        "tests/checker/test_a.py", "tests/checker/test_b.py", "tests/core/test_e.py",
    )
    # in the repository: the unmapped checker tests, not the whole suite's law checks
    found = mutate.related_tests(engines)
    assert "tests/checker/test_checker_suites.py" in found
    assert all(f.startswith("tests/checker/") for f in found)
    assert not set(found) & set(mutate.MODULE_TESTS[engines])
    # the harness's own tests name import paths in their fixtures: never related tests
    assert not [f for f in mutate.related_tests(MODULE) if f.startswith("tests/test_mutate_harness")]
    # nor the packaging test, which needs git (the copy has none) and named catdyn.categories.perm
    assert "tests/test_packaging.py" not in mutate.related_tests("categories/perm.py")
