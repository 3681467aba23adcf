"""A fault-injecting fake payment provider: two acquirers (`sim_a`, `sim_b`) and a payout rail
(`sim_bank`), served over real HTTP. An independent model: it imports nothing from the engine,
so it cannot share the engine's bugs."""
