"""Test files collect the same whatever they are collected with, and in whatever order.

pytest imports every folder's ``conftest.py`` under the one module name ``conftest``: a test
file that does ``from conftest import ...`` gets whichever was imported last. Shared constants
belong in a plainly named helper module (``tests/runner/runner_paths.py``) or in fixtures.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_from_a_conftest() -> None:
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if re.search(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)", path.read_text(), re.M)
    ]
    assert offenders == []


def test_helper_and_test_module_names_are_unique_across_folders() -> None:
    # pytest's default import mode puts each test folder on sys.path and imports by bare name:
    # two modules of one name in two folders would shadow each other.
    names = [p.name for p in TESTS.rglob("*.py") if p.name not in {"conftest.py", "__init__.py"}]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_runner_tests_collect_before_and_after_the_torch_tests() -> None:
    runner = [str(TESTS / "runner" / name) for name in ("test_runner_cli.py", "test_runner_crash.py")]
    torch_tests = [str(TESTS / "backends" / "torch" / "models" / "test_symmetry.py")]
    for order in (runner + torch_tests, torch_tests + runner):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *order],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
