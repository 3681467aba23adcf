"""ISO 20022 camt.053 bank-to-customer statements (version .001.02 and later), with lxml.

Namespace-agnostic. One line per booked `Ntry`, in the account's currency (the `Ntry/Amt`,
never a `TxDtls` amount, which may be in the instructed currency). `CdtDbtInd` gives the
direction; `RvslInd` marks a reversal but does not flip it (ISO 20022 usage rule). Line
identity: the bank's `AcctSvcrRef`, else `NtryRef`, else account/booking date/position.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.statement import ParsedStatement, malformed

# Refuse DTDs and entities: a statement is data, never a reason to fetch or expand anything.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _text(node: Any, path: str) -> str | None:
    found = node.find(path)
    return found.text.strip() if found is not None and found.text else None


def _amount(node: Any, where: str) -> Money:
    amt = node.find("{*}Amt")
    if amt is None or not amt.text or not amt.get("Ccy"):
        raise malformed(where, "missing Amt with a Ccy attribute")
    try:
        return Money.from_decimal(Decimal(amt.text.strip()), amt.get("Ccy"), param=where)
    except InvalidOperation:
        raise malformed(f"{where}/Amt", f"not an amount: {amt.text.strip()!r}") from None
    except LedgerlineError as exc:
        raise malformed(f"{where}/Amt", exc.message) from None


def parse(data: bytes, *, provider: str, source_name: str) -> ParsedStatement:
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise malformed(f"{source_name}:{exc.lineno}", f"not well-formed XML: {exc.msg}") from None
    statements = root.findall("{*}BkToCstmrStmt/{*}Stmt")
    if not root.tag.endswith("Document") or not statements:
        raise malformed(
            f"{source_name}:/Document", "no BkToCstmrStmt/Stmt: not a camt.053 statement"
        )
    parsed = ParsedStatement(format="camt053", lines=[])
    for s_index, stmt in enumerate(statements, start=1):
        _statement(stmt, f"/Document/BkToCstmrStmt/Stmt[{s_index}]", provider, parsed)
    return parsed


def _statement(stmt: Any, where: str, provider: str, parsed: ParsedStatement) -> None:
    account = (
        _text(stmt, "{*}Acct/{*}Id/{*}IBAN")
        or _text(stmt, "{*}Acct/{*}Id/{*}Othr/{*}Id")
        or "unknown"
    )
    parsed.account = parsed.account or account
    balances = {}
    for b_index, bal in enumerate(stmt.findall("{*}Bal"), start=1):
        code = _text(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd")
        money = _amount(bal, f"{where}/Bal[{b_index}]")
        sign = -1 if _text(bal, "{*}CdtDbtInd") == "DBIT" else 1
        balances[code] = Money(amount_minor=sign * money.amount_minor, currency=money.currency)
    opening = balances.get("OPBD") or balances.get("PRCD")
    closing = balances.get("CLBD")
    net: Money | None = None
    for n_index, entry in enumerate(stmt.findall("{*}Ntry"), start=1):
        line = _entry(entry, f"{where}/Ntry[{n_index}]", provider, account, n_index)
        if line is None:
            continue
        parsed.lines.append(line)
        signed = (
            line.gross
            if line.direction is Direction.CREDIT
            else Money(amount_minor=-line.gross.amount_minor, currency=line.gross.currency)
        )
        net = signed if net is None else (net + signed if net.currency == signed.currency else net)
    parsed.opening, parsed.closing = parsed.opening or opening, parsed.closing or closing
    if (
        opening is not None
        and closing is not None
        and net is not None
        and net.currency == opening.currency
    ):
        difference = closing - opening - net
        if difference.amount_minor:
            parsed.warnings.append(
                f"{where}: closing balance differs from opening + booked entries by {difference}"
            )


def _entry(
    entry: Any, where: str, provider: str, account: str, position: int
) -> SettlementLine | None:
    status = _text(entry, "{*}Sts/{*}Cd") or _text(entry, "{*}Sts") or ""
    if status not in ("BOOK", ""):
        return None  # pending or informational entries are not money that moved
    gross = _amount(entry, where)
    indicator = _text(entry, "{*}CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise malformed(f"{where}/CdtDbtInd", "must be CRDT or DBIT")
    day_text = (
        _text(entry, "{*}ValDt/{*}Dt")
        or _text(entry, "{*}ValDt/{*}DtTm")
        or _text(entry, "{*}BookgDt/{*}Dt")
        or _text(entry, "{*}BookgDt/{*}DtTm")
    )
    # ISODate may carry a zone offset ("2017-04-03+02:00"); the calendar day is what counts.
    day_text = day_text[:10] if day_text else None
    try:
        day = dt.date.fromisoformat(day_text) if day_text else None
    except ValueError:
        raise malformed(f"{where}/ValDt", f"not a date: {day_text!r}") from None
    details = entry.findall("{*}NtryDtls/{*}TxDtls")
    end_to_end = [_text(d, "{*}Refs/{*}EndToEndId") for d in details]
    ours = (
        end_to_end[0] if len(details) == 1 and end_to_end[0] not in (None, "NOTPROVIDED") else None
    )
    bank_ref = _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
    direction = Direction.CREDIT if indicator == "CRDT" else Direction.DEBIT
    reversal = _text(entry, "{*}RvslInd") == "true"
    zero = Money(amount_minor=0, currency=gross.currency)
    return SettlementLine(
        provider=provider,
        line_type=LineType.ADJUSTMENT
        if reversal
        else (LineType.PAYMENT if direction is Direction.CREDIT else LineType.PAYOUT),
        direction=direction,
        gross=gross,
        fee=zero,
        net=gross,
        value_date=day,
        status="reversal" if reversal else "booked",
        line_identity=f"{account}:{bank_ref}" if bank_ref else f"{account}:{day}:{position}",
        location=where,
        provider_reference=bank_ref,
        our_reference=ours,
        batch_reference=bank_ref if len(details) > 1 else None,
        description=" ".join(t for t in (_text(d, "{*}RmtInf/{*}Ustrd") for d in details[:1]) if t),
    )
