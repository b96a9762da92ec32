"""`catdyn check`: exit codes, the names of refuted laws, invalid specs, --debug, --json."""

import json
from pathlib import Path

import pytest

from catdyn.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--examples", "30", "--seed", "0"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_correct_specs_exit_0(capsys, tmp_path):
    # the checker's own specs, copied so that slower specs of other packages stay out of this test
    for name in ("finset_laws.py", "mat_laws.py", "perm_laws.py"):
        (tmp_path / name).write_text((ROOT / "specs" / name).read_text())
    code, out, _ = run(capsys, str(tmp_path), *FAST)
    assert code == 0, out
    assert "0 refuted, 0 error" in out


def test_broken_specs_exit_1_naming_each_refuted_law(capsys):
    code, out, _ = run(capsys, str(ROOT / "specs" / "broken"), *FAST)
    assert code == 1
    for subject, law in [
        ("Collapse", "preserves identities"),
        ("Squash", "preserves composition"),
        ("square", "equation 1: shift >> mod4 = mod4 >> shift4"),
        ("swapped", "square commutes"),
        ("too_large", "factorisation is unique"),
        ("pick", "naturality"),
        ("Wobble", "preserves composition"),
        ("fast_tanh_law", "fast tanh agrees with tanh"),
        ("PinvT", "preserves composition"),
        ("Rotate5", "preserves identities"),
        ("lazy_factor", "every cone factors"),
        ("Collapse_if", "preserves identities"),
        ("functors[1]", "preserves identities"),
    ]:
        assert f"refuted: {subject} — {law}" in out


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("x = 1\ndef f(:\n", 2, "syntax error"),
        ("import numpy\nimport no_such_module_here\n", 2, "no_such_module_here"),
        (
            "from catdyn.categories.finset import FinSet\nA = FinSet.object('A', 2)\n",
            None,
            "nothing checkable",
        ),
        (
            "from catdyn.categories.finset import FinSet\n"
            "A, B = FinSet.object('A', 2), FinSet.object('B', 3)\n"
            "f = FinSet.function('f', A, B, [0, 1])\n"
            "g = f >> f\n",
            4,
            "cannot compose f >> f",
        ),
    ],
)
def test_invalid_spec_exits_2_with_file_and_line_and_no_traceback(capsys, tmp_path, source, line, words):
    spec = tmp_path / "bad.py"
    spec.write_text(source)
    code, out, err = run(capsys, str(spec))
    assert code == 2
    where = f"{spec}:{line}" if line else str(spec)
    assert where in out and words in out
    assert "Traceback" not in out + err


def test_debug_adds_the_traceback(capsys, tmp_path):
    spec = tmp_path / "bad.py"
    spec.write_text("import no_such_module_here\n")
    code, _, err = run(capsys, str(spec), "--debug")
    assert code == 2 and "Traceback" in err


def test_json_output_follows_the_schema(capsys):
    code, out, _ = run(capsys, str(ROOT / "specs" / "broken" / "square_one_element.py"), "--json", *FAST)
    doc = json.loads(out)
    assert code == 1 and doc["schema"] == "catdyn-check/1" and doc["exit_code"] == 1
    assert doc["config"] == {
        "examples": 30,
        "seed": 0,
        "engines": ["exhaustive", "symbolic", "hypothesis"],
        "max_size": 8,
        "max_dim": 4,
        "timeout": None,
    }
    assert doc["interrupted"] is False
    assert doc["summary"] == {
        "proved": 0,
        "held": 0,
        "refuted": 1,
        "error": 0,
        "invalid_specs": 0,
        "skipped_specs": 0,
        "not_checked": 1,
    }
    (spec,) = doc["specs"]
    assert spec["status"] == "failed" and spec["error"] is None and spec["skipped"] is None
    assert spec["not_checked"] == [
        {"name": "FinSet", "line": 8, "reason": "imported, not bound in this spec: bind it to a name to check it"}
    ]
    (law,) = spec["laws"]
    assert law["status"] == "refuted" and law["where"].endswith("square_one_element.py:14")
    assert law["counterexample"]["arguments"] == [{"name": "x ∈ Z8", "value": "5"}]
    assert (law["counterexample"]["lhs"], law["counterexample"]["rhs"]) == ("2", "3")


def test_json_for_an_invalid_spec(capsys, tmp_path):
    spec = tmp_path / "empty.py"
    spec.write_text("x = 1\n")
    code, out, _ = run(capsys, str(spec), "--json")
    doc = json.loads(out)
    assert code == 2 and doc["specs"][0]["status"] == "invalid"
    assert doc["specs"][0]["error"]["where"] == str(spec)


def test_imported_names_are_not_checked(capsys, tmp_path):
    spec = tmp_path / "imports.py"
    spec.write_text(
        "from catdyn.categories.finset import FinSet\n"
        "from catdyn import Functor\n"
        "Id = Functor.identity(FinSet)\n"
    )
    code, out, _ = run(capsys, str(spec), *FAST)
    assert code == 0 and "Id" in out and "category" not in out


def test_a_spec_with_nothing_to_check_follows_one_rule_as_a_file_or_in_a_directory(capsys, tmp_path):
    empty = tmp_path / "a_experiment_only.py"
    laws = tmp_path / "b_laws.py"
    empty.write_text("steps = [1, 2]\n")
    laws.write_text((ROOT / "specs" / "broken" / "not_natural.py").read_text())
    # with laws elsewhere in the same command, the empty spec is skipped: as a directory...
    code, out, _ = run(capsys, str(tmp_path), *FAST)
    assert code == 1 and "skipped: " in out and "refuted: pick — naturality" in out
    # ...and as the same files named one by one
    code_files, out_files, _ = run(capsys, str(empty), str(laws), *FAST)
    assert code_files == code and "skipped: " in out_files
    # nothing checkable anywhere: invalid (exit 2), as a directory or as the file alone
    laws.unlink()
    code, out, _ = run(capsys, str(tmp_path), *FAST)
    assert code == 2 and "binds nothing checkable" in out
    code, out, _ = run(capsys, str(empty), *FAST)
    assert code == 2 and "binds nothing checkable" in out
