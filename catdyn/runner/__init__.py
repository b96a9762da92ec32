"""The runner: compile a spec's experiment into a task graph, execute it, store it, report it."""
