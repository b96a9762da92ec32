"""Side-by-side benchmarks: each measures a baseline and catdyn in the same process and
prints their ratio. Run them all with ``python -m benchmarks``."""
