"""What a hypothesis strategy draws: ``n`` examples, derandomised, as a list (the category
tests read a strategy's range and defaults from its draws)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st


def draws(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    """Up to ``n`` examples of ``strategy``, the same on every run."""
    out: list[Any] = []

    @settings(max_examples=n, deadline=None, derandomize=True, database=None)
    @given(strategy)
    def collect(x: Any) -> None:
        out.append(x)

    collect()
    return out
