"""The law checker: laws as equations, engines that prove or test them, suites."""
