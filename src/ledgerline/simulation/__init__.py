"""Deterministic simulation: one seed drives the real services, a virtual clock and the
simulator's model through faults and crashes, and checks every invariant after every step."""
