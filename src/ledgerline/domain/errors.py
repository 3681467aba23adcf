"""The error catalog: every expected failure has one stable code and one entry here.

An entry says who is at fault (`type`), whether trying again may help (`retryable`), what the
merchant's engineers read (`message`, `message_zh`) and what the paying customer should do next
(`payer_guidance`, `payer_guidance_zh`). Codes are part of the public API: never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorType(StrEnum):
    INVALID_REQUEST = "invalid_request_error"
    AUTHENTICATION = "authentication_error"
    IDEMPOTENCY = "idempotency_error"
    CARD = "card_error"
    PROVIDER = "provider_error"
    STATE = "invalid_state_error"
    API = "api_error"


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    http_status: int
    type: ErrorType
    retryable: bool
    message: str
    message_zh: str
    payer_guidance: str = ""
    payer_guidance_zh: str = ""


_T = ErrorType
_TRY_OTHER = ("Please try another payment method.", "请更换其他支付方式。")
_CONTACT_BANK = (
    "Please contact your card issuer, or use another card.",
    "请联系发卡行，或更换其他银行卡。",
)
_WAIT = (
    "Your payment is being confirmed; you will not be charged twice. Please check back shortly.",
    "您的支付正在确认中，不会重复扣款，请稍后查看结果。",
)

CATALOG: dict[str, ErrorSpec] = {
    # -- request validation ------------------------------------------------------------------
    "body_malformed": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The request body is not valid JSON.",
        "请求体不是合法的 JSON。",
    ),
    "body_too_large": ErrorSpec(
        413,
        _T.INVALID_REQUEST,
        False,
        "The request body is larger than the limit.",
        "请求体超过大小限制。",
    ),
    "parameter_invalid": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "A parameter has an invalid value or type.",
        "参数的值或类型无效。",
    ),
    "parameter_missing": ErrorSpec(
        400, _T.INVALID_REQUEST, False, "A required parameter is missing.", "缺少必填参数。"
    ),
    "parameter_unknown": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The request contains a parameter this endpoint does not accept.",
        "请求包含此接口不接受的参数。",
    ),
    "amount_invalid": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The amount must be a whole number of the currency's minor unit (e.g. cents).",
        "金额必须是该币种最小货币单位（如“分”）的整数。",
    ),
    "amount_not_positive": ErrorSpec(
        400, _T.INVALID_REQUEST, False, "The amount must be greater than zero.", "金额必须大于零。"
    ),
    "amount_too_large": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The amount is larger than the maximum allowed.",
        "金额超过允许的最大值。",
    ),
    "amount_too_precise": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The amount has more decimal places than the currency allows; it is never rounded.",
        "金额的小数位数超过该币种允许的位数；系统不会自动四舍五入。",
    ),
    "currency_unsupported": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The currency is not an ISO 4217 currency with a minor unit.",
        "币种不是有效的 ISO 4217 币种。",
    ),
    "payment_method_unsupported": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The payment method is not recognised.",
        "无法识别该支付方式。",
        *_TRY_OTHER,
    ),
    "pagination_cursor_invalid": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "starting_after does not name an object of this list.",
        "starting_after 不是此列表中的对象。",
    ),
    "destination_invalid": ErrorSpec(
        400, _T.INVALID_REQUEST, False, "The payout destination is not valid.", "收款账户信息无效。"
    ),
    "insufficient_balance": ErrorSpec(
        402,
        _T.INVALID_REQUEST,
        False,
        "The available balance is too low for this payout; nothing was reserved.",
        "可用余额不足以支付此笔提现；未冻结任何资金。",
    ),
    "refund_exceeds_payment": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The refund is larger than what is left to refund on this payment.",
        "退款金额超过该笔支付的可退余额。",
    ),
    "csv_invalid": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "The CSV file has invalid rows; nothing was created.",
        "CSV 文件中有无效行；未创建任何记录。",
    ),
    "statement_malformed": ErrorSpec(
        422,
        _T.INVALID_REQUEST,
        False,
        "The statement file could not be read; nothing of it was applied.",
        "对账文件无法解析；文件中的任何内容都未被处理。",
    ),
    "statement_format_unknown": ErrorSpec(
        400,
        _T.INVALID_REQUEST,
        False,
        "That statement format is not supported.",
        "不支持该对账文件格式。",
    ),
    "statement_profile_invalid": ErrorSpec(
        400, _T.INVALID_REQUEST, False, "The column-mapping profile is invalid.", "列映射配置无效。"
    ),
    # -- authentication ----------------------------------------------------------------------
    "api_key_missing": ErrorSpec(
        401,
        _T.AUTHENTICATION,
        False,
        "No API key was given. Send 'Authorization: Bearer sk_test_...'.",
        "未提供 API 密钥。请发送 'Authorization: Bearer sk_test_...'。",
    ),
    "api_key_invalid": ErrorSpec(
        401,
        _T.AUTHENTICATION,
        False,
        "The API key is unknown or has been revoked.",
        "API 密钥无效或已被吊销。",
    ),
    "api_key_scope_insufficient": ErrorSpec(
        403,
        _T.AUTHENTICATION,
        False,
        "The API key does not have the scope this request needs.",
        "API 密钥没有此请求所需的权限范围。",
    ),
    "merchant_not_found": ErrorSpec(
        404, _T.INVALID_REQUEST, False, "No such merchant.", "商户不存在。"
    ),
    "resource_missing": ErrorSpec(
        404, _T.INVALID_REQUEST, False, "No such object.", "对象不存在。"
    ),
    "webhook_rejected": ErrorSpec(
        401,
        _T.AUTHENTICATION,
        False,
        "The webhook's signature or timestamp did not verify; it was recorded and ignored.",
        "Webhook 签名或时间戳校验失败；已记录并忽略。",
    ),
    "exception_already_resolved": ErrorSpec(
        409, _T.STATE, False, "This exception is already resolved.", "该异常已处理。"
    ),
    # -- idempotency --------------------------------------------------------------------------
    "idempotency_key_reused": ErrorSpec(
        409,
        _T.IDEMPOTENCY,
        False,
        "This Idempotency-Key was already used with a different request body.",
        "该幂等键已用于另一个不同的请求。",
    ),
    "idempotency_key_in_use": ErrorSpec(
        409,
        _T.IDEMPOTENCY,
        True,
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        "使用该幂等键的请求仍在处理中，请稍后重试。",
    ),
    "idempotency_key_invalid": ErrorSpec(
        400,
        _T.IDEMPOTENCY,
        False,
        "The Idempotency-Key header must be 1 to 255 printable characters.",
        "Idempotency-Key 请求头必须为 1 到 255 个可打印字符。",
    ),
    # -- state ---------------------------------------------------------------------------------
    "payment_state_invalid": ErrorSpec(
        409,
        _T.STATE,
        False,
        "The payment is not in a state that allows this action.",
        "支付当前的状态不允许此操作。",
    ),
    "payout_state_invalid": ErrorSpec(
        409,
        _T.STATE,
        False,
        "The payout is not in a state that allows this action.",
        "提现当前的状态不允许此操作。",
    ),
    "transition_invalid": ErrorSpec(
        409, _T.STATE, False, "That state change is not allowed.", "不允许该状态变更。"
    ),
    # -- outcomes reported by a provider ------------------------------------------------------
    "card_declined": ErrorSpec(
        402,
        _T.CARD,
        False,
        "The card was declined by the issuer.",
        "银行卡被发卡行拒绝。",
        *_CONTACT_BANK,
    ),
    "insufficient_funds": ErrorSpec(
        402,
        _T.CARD,
        False,
        "The card has insufficient funds.",
        "卡内余额不足。",
        "Please use another card or top up your account, then try again.",
        "请更换其他银行卡或充值后重试。",
    ),
    "expired_card": ErrorSpec(
        402, _T.CARD, False, "The card has expired.", "银行卡已过期。", *_TRY_OTHER
    ),
    "processing_error": ErrorSpec(
        402,
        _T.CARD,
        False,
        "The provider could not process the payment.",
        "支付渠道无法处理该笔支付。",
        *_TRY_OTHER,
    ),
    "provider_unavailable": ErrorSpec(
        503,
        _T.PROVIDER,
        True,
        "No payment provider could take the payment right now; it was not charged.",
        "当前没有可用的支付渠道，未发生扣款。",
        "Nothing was charged. Please try again in a few minutes.",
        "未发生扣款，请几分钟后重试。",
    ),
    "outcome_unknown": ErrorSpec(
        202,
        _T.PROVIDER,
        False,
        "The provider's answer was lost; Ledgerline is asking the provider and will not charge twice.",
        "支付渠道的应答丢失；系统正在向渠道查询结果，不会重复扣款。",
        *_WAIT,
    ),
    # -- our own fault ---------------------------------------------------------------------------
    "internal_error": ErrorSpec(
        500,
        _T.API,
        True,
        "Something went wrong on our side; nothing was changed.",
        "服务端出现错误，未做任何更改。",
    ),
}


class LedgerlineError(Exception):
    """An expected failure with a stable catalog code.

    `param` names the offending field or input location (`amount`, `file.csv:12`); `detail`
    says what exactly was wrong, appended to the catalog message.
    """

    def __init__(self, code: str, *, param: str | None = None, detail: str | None = None) -> None:
        assert code in CATALOG, f"error code {code!r} is not in the catalog"
        self.code = code
        self.param = param
        self.detail = detail
        super().__init__(self.message)

    @property
    def spec(self) -> ErrorSpec:
        return CATALOG[self.code]

    @property
    def message(self) -> str:
        base = self.spec.message
        return f"{base} ({self.detail})" if self.detail else base

    @property
    def message_zh(self) -> str:
        base = self.spec.message_zh
        return f"{base}（{self.detail}）" if self.detail else base


def spec_for(code: str) -> ErrorSpec:
    """Catalog entry for `code`; an unknown code is a programmer error."""
    assert code in CATALOG, code
    return CATALOG[code]
