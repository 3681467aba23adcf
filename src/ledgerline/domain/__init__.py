"""The pure core: money, state machines, ledger postings, errors and events. No I/O."""
