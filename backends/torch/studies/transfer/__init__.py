"""The transfer study's harness (every method under one budget) and its runner operation."""
