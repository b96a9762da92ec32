"""Transfer as a pullback: sampled categories, the fibre product over Rep, the pullback along a
domain map, the baselines, and the transfer study's morphisms and read-outs."""
