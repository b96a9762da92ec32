"""The README's Python examples run as written, and print what their comments say."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _expected_prints(block: str) -> list[str]:
    """For each ``print(...)`` the text its comment promises: a trailing ``# ...`` on the
    same line, or the comment lines right below it, joined."""
    lines = block.splitlines()
    out = []
    for i, line in enumerate(lines):
        if "print(" not in line:
            continue
        if "#" in line:
            out.append(line.split("#", 1)[1].strip())
            continue
        following = []
        for nxt in lines[i + 1 :]:
            if not nxt.lstrip().startswith("#"):
                break
            following.append(nxt.lstrip()[1:].strip())
        out.append(" ".join(following))
    return out


def test_readme_has_examples():
    assert len(_blocks()) >= 2


def test_readme_examples_run_and_print_what_they_say():
    namespace: dict = {}
    for block in _blocks():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(block, str(README), "exec"), namespace)
        printed = [line for line in buffer.getvalue().splitlines() if line.strip()]
        assert printed == _expected_prints(block)
