"""Settings from the environment (`LEDGERLINE_*`), read once by the composition root."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGERLINE_", extra="ignore")

    database_url: str = "sqlite:///var/ledgerline.db"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    simulator_url: str = "http://127.0.0.1:8700"
    # Each provider signs its webhooks with its own secret.
    simulator_webhook_secret: str = "whsec_simulator_dev_only"
    route: list[str] = Field(default_factory=lambda: ["sim_a", "sim_b"])
    provider_timeout_s: float = 5.0
    provider_connect_timeout_s: float = 2.0
    request_body_max_bytes: int = 64 * 1024  # generous for a payment; small enough to refuse abuse
    worker_concurrency: int = 4
    worker_poll_s: float = 0.2
    worker_lease_s: float = 60.0
    # Fernet key for payout destinations. Unset: a key file is created at data_key_file;
    # production sets LEDGERLINE_DATA_KEY so every machine shares one key.
    data_key: str | None = None
    data_key_file: str = "var/data.key"
