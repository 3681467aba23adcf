"""The providers configured for a deployment."""

from __future__ import annotations

from ledgerline.providers.simulator import SimulatorConnector
from ledgerline.services.ports import Connector

SIMULATED = ("sim_a", "sim_b", "sim_bank")


class StaticRegistry:
    def __init__(self, connectors: dict[str, Connector]) -> None:
        self._connectors = dict(connectors)

    def get(self, name: str) -> Connector:
        try:
            return self._connectors[name]
        except KeyError:
            raise KeyError(
                f"no provider {name!r} is configured; known: {', '.join(self._connectors)}"
            ) from None

    def names(self) -> list[str]:
        return list(self._connectors)

    def close(self) -> None:
        for connector in self._connectors.values():
            close = getattr(connector, "close", None)
            if close is not None:
                close()


def build_simulator_registry(
    base_url: str, secrets: dict[str, str], timeout_s: float, *, connect_timeout_s: float = 2.0
) -> StaticRegistry:
    return StaticRegistry(
        {
            name: SimulatorConnector(
                name,
                base_url,
                secrets[name],
                timeout_s=timeout_s,
                connect_timeout_s=connect_timeout_s,
            )
            for name in SIMULATED
        }
    )
