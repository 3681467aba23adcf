"""Reconciliation: statement parsers (one module per format) and the matcher."""
