"""The numpy backend: small morphisms on vectors of numbers that need nothing beyond catdyn's
own dependencies (draw a sample, summarise it). They make an experiment that runs anywhere,
in seconds: the runner's own tests and documentation examples are built from them.

Nothing here registers itself on import: the morphisms are published through the
``catdyn.morphisms`` entry point group (``catdyn morphisms`` lists them).
"""
