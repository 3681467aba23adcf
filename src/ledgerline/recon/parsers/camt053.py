"""ISO 20022 camt.053 bank-to-customer statements, version .001.02 and later, read with lxml.

Namespace-agnostic (`{*}` paths), so every schema version reads the same. Rules:

* Only booked entries (`Sts` BOOK, or `<Sts><Cd>BOOK</Cd></Sts>` from .001.08) are lines;
  pending and informational entries moved no money.
* `CdtDbtInd` is the direction. `RvslInd=true` marks a reversal but does not flip it: the
  indicator already gives the reversal entry's own direction (ISO 20022 usage rule; with it the
  PostFinance sample balances).
* The amount is `Ntry/Amt`, the amount booked on the account, never a `TxDtls` amount, which
  may be the instructed currency (an FX payment). An entry booked in another currency than the
  account's is kept as booked and reported, and left out of the balance check.
* A batch entry (several `TxDtls` whose amounts, in the entry's currency, add up to the entry)
  becomes one line per transaction, so each can be matched by its own EndToEndId; otherwise
  the entry is one line and a batch that does not add up is reported.

Line identity: `account/AcctSvcrRef`, else `account/NtryRef`, else `account/Stmt.Id/position`
(a re-sent statement repeats its Id and order); a batch transaction appends `/k`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree

from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.parsers.base import (
    ParsedStatement,
    Section,
    check_balance,
    check_declared,
    malformed,
    money_at,
)

# Refuse DTDs and entities: a statement is data, never a reason to fetch or expand anything.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_ROOT = "/Document/BkToCstmrStmt"


def _text(node: Any, path: str) -> str | None:
    found = node.find(path)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _amount(node: Any, where: str, path: str = "{*}Amt") -> Money:
    """The unsigned amount at `path` below `node`; `where` names `node` in errors."""
    amt = node.find(path)
    at = f"{where}/{path.replace('{*}', '')}"
    if amt is None or not (amt.text or "").strip():
        raise malformed(at, "missing")
    if not amt.get("Ccy"):
        raise malformed(at, "no Ccy attribute")
    money = money_at(amt.text.strip(), amt.get("Ccy"), at, withdrawn=True)
    if money.amount_minor < 0:
        raise malformed(at, "amounts are unsigned; CdtDbtInd gives the direction")
    return money


def _direction(node: Any, where: str) -> Direction:
    indicator = _text(node, "{*}CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise malformed(f"{where}/CdtDbtInd", f"must be CRDT or DBIT, not {indicator!r}")
    return Direction.CREDIT if indicator == "CRDT" else Direction.DEBIT


def _day(node: Any, where: str) -> dt.date | None:
    for path in ("{*}ValDt/{*}Dt", "{*}ValDt/{*}DtTm", "{*}BookgDt/{*}Dt", "{*}BookgDt/{*}DtTm"):
        text = _text(node, path)
        if text:
            try:
                # An xs:date may carry a zone ("2017-04-01+02:00"); the calendar day is what counts.
                return dt.date.fromisoformat(text[:10])
            except ValueError:
                raise malformed(
                    f"{where}/{path.replace('{*}', '')}", f"not a date: {text!r}"
                ) from None
    return None


def parse(
    data: bytes, *, provider: str, source_name: str, profile: Path | str | None = None
) -> ParsedStatement:
    """Read every statement in the file. Raises `statement_malformed` at the first bad place."""
    try:
        root = etree.fromstring(data, _XML)
    except etree.XMLSyntaxError as exc:
        raise malformed(f"{source_name}:{exc.lineno}", f"not well-formed XML: {exc.msg}") from None
    statements = root.findall("{*}BkToCstmrStmt/{*}Stmt")
    if etree.QName(root).localname != "Document" or not statements:
        raise malformed(_ROOT, "no BkToCstmrStmt/Stmt: not a camt.053 statement")
    parsed = ParsedStatement(format="camt053", lines=[])
    for index, stmt in enumerate(statements, start=1):
        _statement(stmt, f"{_ROOT}/Stmt[{index}]", provider, parsed)
    return parsed.finish()


@dataclass
class _Tally:
    credits: int = 0
    debits: int = 0
    credit_minor: int = 0
    debit_minor: int = 0


def _statement(stmt: Any, where: str, provider: str, parsed: ParsedStatement) -> None:
    account = _text(stmt, "{*}Acct/{*}Id/{*}IBAN") or _text(stmt, "{*}Acct/{*}Id/{*}Othr/{*}Id")
    if account is None:
        raise malformed(f"{where}/Acct/Id", "no IBAN or other account id")
    section = Section(location=where, account=account, currency=_text(stmt, "{*}Acct/{*}Ccy"))
    _balances(stmt, where, section)
    section.currency = section.currency or (section.opening.currency if section.opening else None)
    statement_id = _text(stmt, "{*}Id") or ""
    first, tally = len(parsed.lines), _Tally()
    for index, entry in enumerate(stmt.findall("{*}Ntry"), start=1):
        entry_where = f"{where}/Ntry[{index}]"
        status = _text(entry, "{*}Sts/{*}Cd") or _text(entry, "{*}Sts") or ""
        if status != "BOOK":
            continue
        key = _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
        identity = f"{account}/{key}" if key else f"{account}/{statement_id}/{index}"
        lines = _entry(entry, entry_where, provider, identity, parsed.warnings)
        if section.currency and lines[0].gross.currency != section.currency:
            parsed.warnings.append(
                f"{entry_where}/Amt: booked in {lines[0].gross.currency} on a "
                f"{section.currency} account; kept as booked, left out of the balance check"
            )
        _count(tally, lines)
        parsed.lines.extend(lines)
    section.line_count = len(parsed.lines) - first
    check_balance(section, parsed.lines[first:], parsed.warnings)
    _summary(stmt, where, section, tally, parsed.warnings)
    parsed.sections.append(section)


def _count(tally: _Tally, lines: list[SettlementLine]) -> None:
    """Entries as the bank counts them: a split batch is still one entry."""
    amount = sum(line.gross.amount_minor for line in lines)
    if lines[0].direction is Direction.CREDIT:
        tally.credits, tally.credit_minor = tally.credits + 1, tally.credit_minor + amount
    else:
        tally.debits, tally.debit_minor = tally.debits + 1, tally.debit_minor + amount


def _balances(stmt: Any, where: str, section: Section) -> None:
    found: dict[str, Money] = {}
    for index, bal in enumerate(stmt.findall("{*}Bal"), start=1):
        bal_where = f"{where}/Bal[{index}]"
        code = _text(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd") or _text(bal, "{*}Tp/{*}CdOrPrtry/{*}Prtry")
        money = _amount(bal, bal_where)
        if _direction(bal, bal_where) is Direction.DEBIT:
            money = Money(amount_minor=-money.amount_minor, currency=money.currency)
        found.setdefault(code or "", money)
    # German banks give the previous closing (PRCD) instead of an opening balance (OPBD).
    section.opening = found.get("OPBD") or found.get("PRCD")
    section.closing = found.get("CLBD")


def _summary(stmt: Any, where: str, section: Section, tally: _Tally, warnings: list[str]) -> None:
    summary = stmt.find("{*}TxsSummry")
    currency = section.currency or (section.opening.currency if section.opening else None)
    if summary is None or currency is None:
        return
    at = f"{where}/TxsSummry"
    total = _text(summary, "{*}TtlNtries/{*}NbOfNtries")
    section.declared_count = int(total) if total and total.isdigit() else None
    check_declared(
        at, "TtlNtries/NbOfNtries", section.declared_count, tally.credits + tally.debits, warnings
    )
    for name, count, minor in (
        ("TtlCdtNtries", tally.credits, tally.credit_minor),
        ("TtlDbtNtries", tally.debits, tally.debit_minor),
    ):
        declared_count = _text(summary, f"{{*}}{name}/{{*}}NbOfNtries")
        declared_sum = _text(summary, f"{{*}}{name}/{{*}}Sum")
        if declared_sum is not None:
            declared = money_at(declared_sum, currency, f"{at}/{name}/Sum", withdrawn=True)
            section.declared_totals[name] = declared
            check_declared(
                f"{at}/{name}",
                "Sum",
                declared,
                Money(amount_minor=minor, currency=currency),
                warnings,
            )
        if declared_count is not None:
            check_declared(f"{at}/{name}", "NbOfNtries", declared_count, str(count), warnings)


def _line_type(node: Any, direction: Direction, reversal: bool) -> LineType:
    if reversal:
        return LineType.ADJUSTMENT
    if _text(node, "{*}BkTxCd/{*}Domn/{*}Fmly/{*}SubFmlyCd") == "CHRG":
        return LineType.FEE
    return LineType.PAYMENT if direction is Direction.CREDIT else LineType.PAYOUT


def _our_reference(details: Any) -> str | None:
    end_to_end = _text(details, "{*}Refs/{*}EndToEndId")
    if end_to_end and end_to_end != "NOTPROVIDED":
        return end_to_end
    return _text(details, "{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")


def _entry(
    entry: Any, where: str, provider: str, identity: str, warnings: list[str]
) -> list[SettlementLine]:
    gross = _amount(entry, where)
    direction = _direction(entry, where)
    reversal = _text(entry, "{*}RvslInd") == "true"
    bank_ref = _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
    details = [
        (f"{where}/NtryDtls[{i}]/TxDtls[{j}]", d)
        for i, group in enumerate(entry.findall("{*}NtryDtls"), start=1)
        for j, d in enumerate(group.findall("{*}TxDtls"), start=1)
    ]
    single = details[0][1] if len(details) == 1 else None
    text = _text(entry, "{*}AddtlNtryInf") or ""
    if single is not None:
        text = _text(single, "{*}RmtInf/{*}Ustrd") or text
    whole = SettlementLine(
        provider=provider,
        line_type=_line_type(entry, direction, reversal),
        direction=direction,
        gross=gross,
        fee=Money(amount_minor=0, currency=gross.currency),
        net=gross,
        value_date=_day(entry, where),
        status="reversal" if reversal else "booked",
        line_identity=identity,
        location=where,
        provider_reference=bank_ref,
        our_reference=_our_reference(single) if single is not None else None,
        description=text[:200],
    )
    parts = _batch_parts(details, gross, direction, where, warnings)
    if parts is None:
        return [whole]
    return [
        replace(
            whole,
            gross=amount,
            net=amount,
            line_identity=f"{identity}/{k}",
            location=at,
            provider_reference=_text(d, "{*}Refs/{*}AcctSvcrRef") or bank_ref,
            our_reference=_our_reference(d),
            batch_reference=bank_ref or identity,
            description=(_text(d, "{*}RmtInf/{*}Ustrd") or "")[:200],
        )
        for k, ((at, d), amount) in enumerate(zip(details, parts, strict=True), start=1)
    ]


def _batch_parts(
    details: list[tuple[str, Any]],
    gross: Money,
    direction: Direction,
    where: str,
    warnings: list[str],
) -> list[Money] | None:
    """Each transaction's amount when the entry can be split into them, else None."""
    if len(details) < 2:
        return None
    parts = []
    for at, d in details:
        path = "{*}Amt" if d.find("{*}Amt") is not None else "{*}AmtDtls/{*}TxAmt/{*}Amt"
        if d.find(path) is None:
            return None  # the bank gave no per-transaction amounts: one line for the entry
        amount = _amount(d, at, path)
        stated = _text(d, "{*}CdtDbtInd")
        if amount.currency != gross.currency or (
            stated is not None and _direction(d, at) is not direction
        ):
            return None
        parts.append(amount)
    if sum(p.amount_minor for p in parts) != gross.amount_minor:
        warnings.append(f"{where}: batch transactions do not add up to the entry {gross}")
        return None
    return parts
