"""Ledgerline: a payment and payout engine that never loses, duplicates or silently strands money."""

__version__ = "0.1.0"
