"""The torch backend: Param and Rep realised on real networks (imports torch)."""
