import pytest

from ledgerline.domain.errors import CATALOG, ErrorType, LedgerlineError


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_catalog_entry_speaks_english_and_chinese(code):
    spec = CATALOG[code]
    assert spec.message and spec.message_zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.message_zh), code
    assert 200 <= spec.http_status < 600
    if spec.payer_guidance:
        assert spec.payer_guidance_zh, code


def test_card_errors_tell_the_payer_what_to_do_next():
    for code, spec in CATALOG.items():
        if spec.type is ErrorType.CARD:
            assert spec.payer_guidance and spec.payer_guidance_zh, code


def test_unknown_codes_are_programmer_errors():
    with pytest.raises(AssertionError):
        LedgerlineError("no_such_code")


def test_detail_is_appended_to_both_languages():
    exc = LedgerlineError("amount_too_precise", param="amount", detail="12.345 USD")
    assert exc.message.endswith("(12.345 USD)")
    assert exc.message_zh.endswith("（12.345 USD）")
    assert exc.param == "amount"


def test_every_code_raised_in_the_source_is_in_the_catalog():
    import re
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "src" / "ledgerline"
    raised = set()
    for path in source.rglob("*.py"):
        raised |= set(re.findall(r'LedgerlineError\(\s*"([a-z_]+)"', path.read_text()))
    assert raised and raised <= set(CATALOG), sorted(raised - set(CATALOG))
