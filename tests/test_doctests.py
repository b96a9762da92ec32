"""Run the docstring examples of every catdyn module (they are the documentation)."""

import doctest
import importlib
import pkgutil

import pytest


def _modules() -> list[str]:
    import catdyn.backends
    import catdyn.categories

    names = {"catdyn.categories", "catdyn.backends"}
    for package in (catdyn, catdyn.categories, catdyn.backends):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            names.add(info.name)
    return sorted(names)


def _needs_missing_extra(name: str) -> str | None:
    for extra in ("torch", "gudhi", "ray"):
        if f".{extra}" in name or name.endswith(extra):
            if importlib.util.find_spec(extra) is None:
                return extra
    return None


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples_run(module_name: str) -> None:
    missing = _needs_missing_extra(module_name)
    if missing:
        pytest.skip(f"{module_name} needs the optional {missing}")
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"
