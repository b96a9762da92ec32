"""The functors of the backend: realisation Param -> Rep, Rep itself, learning Para -> Learn, paths."""
