"""Packaging: the wheel installs only ``catdyn`` (categories and backends inside it), and
``import catdyn`` loads none of torch, gudhi or ray."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy of the tracked sources: nothing is written into the checkout, and no
    # stale build/ folder or untracked file can slip into the wheel
    src = tmp_path_factory.mktemp("src")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for rel in filter(None, tracked.decode().split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    (found,) = out.glob("catdyn-*.whl")
    return found


def test_wheel_installs_only_the_catdyn_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"catdyn"}
    assert "catdyn/categories/finset.py" in names
    assert "catdyn/categories/perm.py" in names
    assert "catdyn/backends/__init__.py" in names
    assert not any(n.startswith(("categories/", "backends/")) for n in names)


def test_wheel_declares_the_console_script(wheel):
    with zipfile.ZipFile(wheel) as zf:
        entry = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        assert "catdyn = catdyn.cli:main" in zf.read(entry).decode()


def test_import_catdyn_loads_no_heavy_dependency():
    code = (
        "import sys, catdyn, catdyn.categories, catdyn.serialise, catdyn.cli, catdyn.checker\n"
        "import catdyn.categories.perm, catdyn.backends\n"
        "heavy = sorted(m for m in ('torch', 'gudhi', 'ray') if m in sys.modules)\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_console_script_answers_version():
    out = subprocess.run([sys.executable, "-m", "catdyn.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("catdyn ")
