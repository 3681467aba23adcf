"""Reconciliation runs: the provider's (or bank's) records against ours, line by line.

Store the raw file first (the same file again is a no-op), parse it whole (a malformed file is
rejected with its location and nothing applied), record its lines (a line already seen in
another file is a duplicate, never settled twice), match, then act on each class:

| class | action |
| --- | --- |
| matched (payment) | settle: provider clearing → cash, merchant pending → available |
| missing_in_ledger, our attempt unknown | the line is evidence: resolve the attempt |
| status_mismatch (the provider charged, we had it failed) | automatic refund and an exception |
| missing_in_ledger, nothing of ours | an "orphan charge" exception suggesting a refund |
| amount / currency mismatch | an exception with both values |
| missing_in_statement (past the settlement window) | a "not received" exception |
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.outcomes import Succeeded
from ledgerline.domain.provider_calls import OperationKind
from ledgerline.domain.settlement import LineType, SettlementLine
from ledgerline.services import processing, provider_health, settlement
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork

ITEMS_LIMIT_MAX = 100
Progress = Callable[[str, int, int], None]  # (phase, done, total)


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


BANK_FORMATS = ("camt053", "mt940", "bai2")  # statements of our own bank account


def run_file(
    deps: Deps,
    *,
    provider: str,
    format_name: str,
    name: str,
    data: bytes,
    profile: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    assert deps.matcher is not None and deps.parse_statement is not None, (
        "reconciliation is not wired"
    )
    digest = hashlib.sha256(data).hexdigest()
    now = deps.clock.now()
    with deps.uow() as uow:
        known = uow.recon.file_by_hash(digest)
        if known is not None:
            run = uow.recon.run_for_file(known["id"])
            if run is not None:
                return _run_view(run) | {"replayed": True}
            file_id = known["id"]
        else:
            file_id = deps.ids.new("rcf", now=now)
            uow.recon.store_file(
                file_id=file_id,
                provider=provider,
                format=format_name,
                name=name,
                sha256=digest,
                content=data,
                now=now,
            )
        uow.commit()
    try:
        parsed = deps.parse_statement(
            format_name, data, provider=provider, source_name=name, profile=profile
        )
    except LedgerlineError as exc:
        with deps.uow() as uow:
            uow.recon.mark_file(file_id, status="rejected", error=f"{exc.param}: {exc.message}")
            uow.commit()
        raise
    return _reconcile(
        deps,
        file_id=file_id,
        provider=provider,
        lines=parsed.lines,
        warnings=parsed.warnings,
        bank=format_name in BANK_FORMATS,
        progress=progress or _quiet,
    )


def _reconcile(
    deps: Deps,
    *,
    file_id: str,
    provider: str,
    lines: list[SettlementLine],
    warnings: list[str],
    bank: bool,
    progress: Progress,
) -> dict[str, Any]:
    assert deps.matcher is not None
    now = deps.clock.now()
    progress("storing lines", 0, len(lines))
    with deps.uow() as uow:
        line_ids = uow.recon.add_lines(file_id, lines)
        uow.recon.mark_file(file_id, status="parsed")
        uow.commit()
    with deps.uow(read_only=True) as uow:
        records = uow.recon.ledger_records(provider)
        if bank:  # one bank credit can pay a whole provider settlement file (one-to-many)
            records += uow.recon.settlement_batches()
    triples = deps.matcher.match(
        [
            {
                "line": i,
                "provider_reference": line.provider_reference,
                "our_reference": line.our_reference,
                "amount": line.gross.amount_minor,
                "currency": line.gross.currency,
                "day": line.value_date,
                "duplicate": line_ids[i] is None,
            }
            for i, line in enumerate(lines)
        ],
        [
            {
                "record": i,
                "provider_reference": r["provider_reference"],
                "our_reference": r["our_reference"],
                "amount": r["amount"],
                "currency": r["currency"],
                "day": r["day"],
                "ok": r["ok"],
            }
            for i, r in enumerate(records)
        ],
    )
    days = [line.value_date for line in lines if line.value_date]
    covered = (min(days), max(days)) if days else None
    acted = []
    for done, triple in enumerate(triples, start=1):
        acted.append(_act(deps, triple, lines, records, covered, now=now))
        if done % 500 == 0 or done == len(triples):
            progress("acting on each line", done, len(triples))
    items = [item for item in acted if item is not None]
    summary = _summary(items, lines)
    run_id = deps.ids.new("rcr", now=now)
    with deps.uow() as uow:
        uow.recon.add_run(
            run_id=run_id,
            file_id=file_id,
            provider=provider,
            summary=summary,
            warnings=warnings,
            now=now,
        )
        uow.recon.add_items(run_id, items)
        uow.commit()
        run = uow.recon.run(run_id)
    assert run is not None
    return _run_view(run)


def _act(
    deps: Deps,
    triple: tuple[int | None, int | None, str],
    lines: list[SettlementLine],
    records: list[dict[str, Any]],
    covered: tuple[dt.date, dt.date] | None,
    *,
    now: dt.datetime,
) -> dict[str, Any] | None:
    line_index, record_index, klass = triple
    line = lines[line_index] if line_index is not None else None
    record = records[record_index] if record_index is not None else None
    item: dict[str, Any] = {
        "class": klass,
        "line_identity": line.line_identity[:255] if line else None,
        "location": line.location[:255] if line else None,
        "object_type": record["object_type"] if record else None,
        "object_id": record["object_id"] if record else None,
        "expected": _money(record["amount"], record["currency"]) if record else None,
        "actual": str(line.gross) if line else None,
        "action": "",
    }
    if klass == "matched":
        assert line is not None and record is not None
        item["action"] = _settle(deps, line, record)
        expected_fee = _provider_fee(deps, line)
        if expected_fee is not None and expected_fee != line.fee:
            reason = (
                f"{line.provider} charged a fee of {line.fee} on {line.gross} ({line.location}); its price "
                f"list says {expected_fee}"
            )
            item |= {
                "class": "fee_mismatch",
                "expected": str(expected_fee),
                "actual": str(line.fee),
                "action": f"{item['action']}; "
                + _exception(deps, record, "fee_mismatch", reason=reason, now=now),
            }
    elif klass == "status_mismatch" or (
        klass == "missing_in_ledger" and line and line.our_reference
    ):
        item |= _evidence(deps, line, record)
    elif klass in ("amount_mismatch", "currency_mismatch"):
        assert line is not None and record is not None
        item["action"] = _exception(
            deps,
            record,
            klass,
            now=now,
            reason=f"statement line {line.location} shows {line.gross}; we recorded "
            f"{item['expected']} for {record['object_type']} {record['object_id']}",
        )
    elif klass == "missing_in_ledger":
        assert line is not None
        item["action"] = _orphan(deps, line, now=now)
    elif klass == "unmatched_record":
        assert record is not None
        return _missing_in_statement(deps, record, covered, item, now=now)
    return item


def _settle(deps: Deps, line: SettlementLine, record: dict[str, Any]) -> str:
    if record["object_type"] == "settlement_batch":
        return f"the bank received settlement batch {record['object_id']} ({line.gross})"
    if record["object_type"] != "payment" or line.line_type is not LineType.PAYMENT:
        return f"{record['object_type']} confirmed by the statement"
    posted = settlement.settle_payment(
        deps, payment_id=record["object_id"], evidence=f"statement {line.location}"
    )
    return "settled: pending → available" if posted else "already settled (rerun)"


def _provider_fee(deps: Deps, line: SettlementLine) -> Money | None:
    """The fee the provider's price list implies for a payment line (half up, as it bills)."""
    schedule = deps.policy.provider_fees.get(line.provider)
    if schedule is None or line.line_type is not LineType.PAYMENT:
        return None
    bps, fixed = schedule
    return Money(
        amount_minor=(line.gross.amount_minor * bps + 5000) // 10000 + fixed,
        currency=line.gross.currency,
    )


def _evidence(
    deps: Deps, line: SettlementLine | None, record: dict[str, Any] | None
) -> dict[str, Any]:
    """A statement line about one of our attempts is evidence of its outcome."""
    assert line is not None
    attempt_id = record["attempt_id"] if record else line.our_reference
    with deps.uow(read_only=True) as uow:
        attempt = uow.attempts.get(attempt_id or "")
    if attempt is None or not line.provider_reference or line.line_type is not LineType.PAYMENT:
        return {
            "class": "missing_in_ledger",
            "action": "no attempt of ours carries this reference; see exceptions",
        }
    before = attempt.status.value
    staged = processing.record_evidence(
        deps,
        attempt_id=attempt.id,
        outcome=Succeeded(line.provider_reference),
        evidence="settlement",
        summary=f"statement {line.location}: settled",
    )
    processing.send_fresh(deps, staged)
    if before == "unknown":
        return {
            "class": "missing_in_ledger",
            "object_type": "payment",
            "object_id": attempt.payment_id,
            "action": "resolved our unknown attempt as succeeded from the statement",
        }
    return {
        "class": "status_mismatch",
        "action": f"we had it {before}: automatic refund started, exception opened",
    }


def _exception(
    deps: Deps, record: dict[str, Any], kind: str, *, reason: str, now: dt.datetime
) -> str:
    with deps.uow() as uow:
        _open(
            deps,
            uow,
            kind=kind,
            subject_type=record["object_type"],
            subject_id=record["object_id"],
            reason=reason,
            now=now,
        )
        uow.commit()
    return f"exception {kind} opened"


def _orphan(deps: Deps, line: SettlementLine, *, now: dt.datetime) -> str:
    reason = (
        f"{line.provider} reports {line.line_type.value} {line.provider_reference or line.line_identity} of "
        f"{line.gross} ({line.location}) that matches nothing of ours. If the payer was charged, refund it at "
        f"{line.provider}."
    )
    with deps.uow() as uow:
        _open(
            deps,
            uow,
            kind="orphan_charge",
            subject_type="settlement_line",
            subject_id=line.line_identity[:40],
            reason=reason,
            now=now,
        )
        uow.commit()
    return "exception orphan_charge opened (suggested action: refund at the provider)"


def _missing_in_statement(
    deps: Deps,
    record: dict[str, Any],
    covered: tuple[dt.date, dt.date] | None,
    item: dict[str, Any],
    *,
    now: dt.datetime,
) -> dict[str, Any] | None:
    due = record["day"] + dt.timedelta(days=deps.policy.settlement_window_days)
    if (
        not record["ok"]
        or covered is None
        or not covered[0] <= record["day"] <= covered[1]
        or now.date() < due
    ):
        return None  # not this statement's business, or its window is still open
    reason = (
        f"{record['object_type']} {record['object_id']} of {item['expected']} succeeded on {record['day']} but "
        f"is not in the provider's statement, and its settlement window has passed"
    )
    action = _exception(deps, record, "not_received", reason=reason, now=now)
    if record["object_type"] == "payment" and record["attempt_id"]:
        action += "; " + _ask_provider(deps, record["attempt_id"])
    item |= {"class": "missing_in_statement", "action": action}
    return item


def _ask_provider(deps: Deps, attempt_id: str) -> str:
    """A charge missing from its settlement: ask the provider what it knows. Its answer is
    evidence like any other: agreement is noted, a denial opens a conflicting-evidence exception."""
    with deps.uow(read_only=True) as uow:
        attempt = uow.attempts.get(attempt_id)
    if attempt is None:
        return "no attempt to ask about"
    reply = deps.providers.get(attempt.provider).inquire(
        operation=OperationKind.CHARGE, idempotency_key=attempt.id
    )
    processing.record_reply(deps, attempt_id=attempt.id, reply=reply, evidence="inquiry")
    return f"status inquiry at {attempt.provider}: {provider_health.outcome_name(reply.outcome)}"


def _open(
    deps: Deps,
    uow: UnitOfWork,
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    reason: str,
    now: dt.datetime,
) -> None:
    merchant_id = None
    if subject_type == "payment":
        payment = uow.payments.get(subject_id)
        merchant_id = payment.merchant_id if payment else None
        if payment is not None:
            uow.timeline.add(
                payment_id=payment.id, at=now, kind="exception_opened", summary=f"{kind}: {reason}"
            )
    uow.exceptions.open(
        exception_id=deps.ids.new("exc", now=now),
        kind=kind,
        merchant_id=merchant_id,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason,
        now=now,
    )


def _money(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor=amount_minor, currency=currency))


def _summary(items: list[dict[str, Any]], lines: list[SettlementLine]) -> dict[str, Any]:
    counts = Counter(item["class"] for item in items)
    amounts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_identity = {line.line_identity[:255]: line for line in lines}
    for item in items:
        line = by_identity.get(item["line_identity"] or "")
        if line is not None:
            amounts[item["class"]][line.gross.currency] += line.gross.amount_minor
    return {
        "lines": len(lines),
        "counts": dict(counts),
        "amounts_minor": {k: dict(v) for k, v in amounts.items()},
    }


def _run_view(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "object": "reconciliation_run",
        "provider": run["provider"],
        "status": run["status"],
        "summary": run["summary"],
        "warnings": run["warnings"],
        "created": int(run["created_at"].timestamp()),
    }


def get_run(deps: Deps, *, run_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        run = uow.recon.run(run_id)
    if run is None:
        raise LedgerlineError(
            "resource_missing", param="id", detail=f"no reconciliation run {run_id}"
        )
    return _run_view(run)


def list_items(
    deps: Deps, *, run_id: str, klass: str | None, starting_after: int | None, limit: int
) -> dict[str, Any]:
    assert 1 <= limit <= ITEMS_LIMIT_MAX, limit
    get_run(deps, run_id=run_id)
    with deps.uow(read_only=True) as uow:
        rows = uow.recon.items(run_id, klass=klass, after_id=starting_after, limit=limit + 1)
    data = [
        {
            "id": r["id"],
            "object": "reconciliation_item",
            "class": r["class"],
            "line": r["line_identity"],
            "location": r["location"],
            "subject": {"type": r["object_type"], "id": r["object_id"]},
            "expected": r["expected"],
            "actual": r["actual"],
            "action": r["action"],
        }
        for r in rows[:limit]
    ]
    return {
        "object": "list",
        "url": f"/v1/reconciliation/runs/{run_id}/items",
        "has_more": len(rows) > limit,
        "data": data,
    }
