"""A spec with no experiment (only a constant): `catdyn run` must refuse it with exit 2."""

ANSWER = 42
