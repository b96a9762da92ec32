"""Paths between networks: alignment by symmetry, linear and curved paths, barrier matrices."""
