"""The schema, as SQLAlchemy Core tables. Changes go through Alembic migrations only."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ledgerline.store.timestamps import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 40  # prefix + time-ordered random part, see store/ids.py

merchants = Table(
    "merchants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), ForeignKey("merchants.id"), nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("secret_hint", String(32), nullable=False),
    Column("scopes", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

payments = Table(
    "payments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), ForeignKey("merchants.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(32), nullable=False),
    Column("payment_method", String(64), nullable=False),
    Column("description", Text),
    Column("customer_id", String(200)),
    Column("customer_email", String(320)),
    Column("metadata", JSON, nullable=False),
    Column("last_error_code", String(64)),
    Column("public_token", String(64), nullable=False),
    Column("idempotency_key", String(255)),
    Column("route", JSON),  # providers in the order this payment tries them, fixed at confirmation
    Column("fee_minor", BigInteger),  # set when the payment succeeds
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    UniqueConstraint("merchant_id", "idempotency_key", name="uq_payments_merchant_idempotency_key"),
    Index("ix_payments_merchant_created", "merchant_id", "created_at", "id"),
    Index("ix_payments_status", "status"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("payment_id", String(ID), ForeignKey("payments.id"), nullable=False),
    Column("merchant_id", String(ID), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("provider", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("provider_reference", String(200)),
    Column("error_code", String(64)),
    Column("provider_code", String(64)),
    Column("evidence", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("payment_id", "seq", name="uq_attempts_payment_seq"),
    Index("ix_attempts_status", "status"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("owner", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("debits_minor", BigInteger, nullable=False),
    Column("credits_minor", BigInteger, nullable=False),
    CheckConstraint("debits_minor >= 0 AND credits_minor >= 0", name="totals_nonnegative"),
    UniqueConstraint("kind", "owner", "currency", name="uq_accounts_identity"),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("source_type", String(32), nullable=False),
    Column("source_id", String(ID), nullable=False),
    Column("merchant_id", String(ID), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # The same event can never post twice: this is the ledger's idempotency key.
    UniqueConstraint("kind", "source_id", name="uq_journal_entries_kind_source"),
    Index("ix_journal_entries_merchant", "merchant_id", "created_at"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(ID), ForeignKey("journal_entries.id"), nullable=False, index=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("side", String(6), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("side IN ('debit', 'credit')", name="side_valid"),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("merchant_id", String(ID), nullable=False),
    Column("type", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(ID), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_events_merchant_seq", "merchant_id", "seq"),
)

timeline = Table(
    "timeline",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", String(ID), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_timeline_payment", "payment_id", "seq"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    # Enqueueing is idempotent: one job per (kind, subject) at a time.
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("attempts_max", Integer, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_expires_at", UtcDateTime()),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("status IN ('queued', 'done', 'dead')", name="status_valid"),
    Index("ix_jobs_due", "status", "run_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", String(ID), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("locked_at", UtcDateTime()),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("merchant_id", "key", name="uq_idempotency_keys_merchant_key"),
    CheckConstraint("status IN ('in_flight', 'done')", name="status_valid"),
    Index("ix_idempotency_keys_created", "created_at"),
)

# -- resilience: inbound webhooks, exceptions, provider health, routing (migration 0002) --------

inbound_webhooks = Table(
    "inbound_webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(64), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", Text, nullable=False),
    # received -> queued | rejected | duplicate; queued -> processed | unmatched
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("event_id", String(200)),
    Column("event", JSON),
    Column("duplicate_of", Integer),
    Column("processed_at", UtcDateTime()),
    UniqueConstraint("provider", "event_id", name="uq_inbound_webhooks_provider_event"),
)

exceptions = Table(
    "exceptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("merchant_id", String(ID)),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(ID), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolution_note", Text),
    Column("resolved_by", String(64)),
    # One open exception per (kind, subject); a resolved one may be raised again later.
    Column("open_key", String(120), unique=True),
    CheckConstraint("status IN ('open', 'resolved')", name="status_valid"),
    Index("ix_exceptions_status_opened", "status", "opened_at"),
)

provider_calls = Table(
    "provider_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(64), nullable=False),
    Column("operation", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("http_status", Integer),
    Index("ix_provider_calls_provider_at", "provider", "at"),
)

circuit_breakers = Table(
    "circuit_breakers",
    metadata,
    Column("provider", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    CheckConstraint("state IN ('closed', 'open', 'half_open')", name="state_valid"),
)

routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), nullable=False, index=True),
    Column("priority", Integer, nullable=False),
    Column("currency", String(3)),
    Column("method_prefix", String(64)),
    Column("amount_min_minor", BigInteger),
    Column("amount_max_minor", BigInteger),
    Column("providers", JSON, nullable=False),  # [{"name": "sim_a", "weight": 70}, ...]
    Column("created_at", UtcDateTime(), nullable=False),
)

# -- money movement: fees, refunds, payouts (migration 0003) --------------------------------

pricing_rules = Table(
    "pricing_rules",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), nullable=False, index=True),
    Column("provider", String(64)),
    Column("method_prefix", String(64)),
    Column("bps", Integer, nullable=False),
    Column("fixed_minor", BigInteger),
    Column("currency", String(3)),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("bps >= 0 AND bps <= 10000", name="bps_range"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), nullable=False),
    Column("payment_id", String(ID), ForeignKey("payments.id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt_status", String(16), nullable=False),
    Column("provider", String(64), nullable=False),
    # The charge refunded: normally the payment's successful one; for an automatic refund of a
    # duplicate or late success, that charge.
    Column("charge_reference", String(200), nullable=False),
    Column("provider_reference", String(200)),
    Column("error_code", String(64)),
    Column("provider_code", String(64)),
    Column("evidence", String(32)),
    Column("reason", String(64)),
    Column("metadata", JSON, nullable=False),
    Column("idempotency_key", String(255)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    UniqueConstraint("merchant_id", "idempotency_key", name="uq_refunds_merchant_idempotency_key"),
    Index("ix_refunds_merchant_created", "merchant_id", "created_at", "id"),
)

payouts = Table(
    "payouts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt_status", String(16)),
    Column("provider", String(64), nullable=False),
    Column("provider_reference", String(200)),
    Column("error_code", String(64)),
    Column("provider_code", String(64)),
    Column("evidence", String(32)),
    Column("destination_type", String(32), nullable=False),
    Column("destination_masked", String(32), nullable=False),
    # Account number and holder name, encrypted (never stored in plain text).
    Column("destination_sealed", Text, nullable=False),
    Column("description", Text),
    Column("idempotency_key", String(255)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    UniqueConstraint("merchant_id", "idempotency_key", name="uq_payouts_merchant_idempotency_key"),
    Index("ix_payouts_merchant_created", "merchant_id", "created_at", "id"),
    Index("ix_payouts_status", "status"),
)

# -- reconciliation (migration 0004) ----------------------------------------------------------

recon_files = Table(
    "recon_files",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("format", String(32), nullable=False),
    Column("name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),  # the same file twice is a no-op
    Column("size_bytes", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),  # stored before it is parsed
    Column("status", String(16), nullable=False),  # received | parsed | rejected
    Column("error", Text),
    Column("received_at", UtcDateTime(), nullable=False),
)

settlement_lines = Table(
    "settlement_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", String(ID), ForeignKey("recon_files.id"), nullable=False, index=True),
    Column("provider", String(64), nullable=False),
    Column("line_identity", String(255), nullable=False),
    Column("line_type", String(16), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("gross_minor", BigInteger, nullable=False),
    Column("fee_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("value_date", Date),
    Column("status", String(32), nullable=False),
    Column("provider_reference", String(200)),
    Column("our_reference", String(200)),
    Column("location", String(255), nullable=False),
    # A line seen in two files is one line: never settled twice.
    UniqueConstraint("provider", "line_identity", name="uq_settlement_lines_identity"),
)

recon_runs = Table(
    "recon_runs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("file_id", String(ID), ForeignKey("recon_files.id"), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

recon_items = Table(
    "recon_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(ID), ForeignKey("recon_runs.id"), nullable=False),
    Column("class", String(32), nullable=False),
    Column("line_identity", String(255)),
    Column("location", String(255)),
    Column("object_type", String(16)),
    Column("object_id", String(ID)),
    Column("expected", String(64)),
    Column("actual", String(64)),
    Column("action", Text, nullable=False),
    Index("ix_recon_items_run_class", "run_id", "class", "id"),
)

# -- merchant experience: outbound webhooks (migration 0005) --------------------------------

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("merchant_id", String(ID), nullable=False, index=True),
    Column("url", String(2048), nullable=False),
    Column("enabled_events", JSON, nullable=False),  # ["*"] or exact event types
    Column("description", String(500)),
    Column("secret_sealed", Text, nullable=False),  # whsec_…, encrypted like payout destinations
    # During a rotation the old secret keeps signing too, until this moment.
    Column("previous_secret_sealed", Text),
    Column("previous_secret_expires_at", UtcDateTime()),
    Column("status", String(16), nullable=False),  # enabled | disabled
    Column("disabled_reason", Text),
    Column("failing_since", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint_id", String(ID), ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", String(ID), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Integer, nullable=False),
    Column("response_excerpt", String(500)),
    Column("error", String(500)),
    Column("succeeded", Integer, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
)
