"""An independent reference for the class tests: connected components of the graph of pairs
whose barrier is at most c, counted by repeated flood fill (no union-find, no FinSet)."""

from __future__ import annotations

import numpy as np


def brute_force_count(b: np.ndarray, c: float) -> int:
    """Components of the graph of pairs with barrier ≤ c, by repeated flood fill."""
    n, seen, count = b.shape[0], set(), 0
    for start in range(n):
        if start in seen:
            continue
        count += 1
        stack = [start]
        seen.add(start)
        while stack:
            i = stack.pop()
            for j in range(n):
                if j not in seen and b[i, j] <= c:
                    seen.add(j)
                    stack.append(j)
    return count
