"""The transfer study's harness: every method under one budget, its claims and its figures."""
