"""Object ids: a type prefix plus a time-ordered random part (`pay_01JD5…`).

Time-ordered ids keep recent rows together in indexes and make ids sort like creation time.
"""

from __future__ import annotations

import datetime as dt
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_TIME_CHARS = 10  # 50 bits of milliseconds: enough until the year 37000
_RANDOM_CHARS = 14  # 70 random bits: collisions within one millisecond are negligible


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


class IdFactory:
    """Makes new ids; the production implementation of the `Ids` port."""

    def new(self, prefix: str, *, now: dt.datetime | None = None) -> str:
        moment = now or dt.datetime.now(dt.UTC)
        millis = int(moment.timestamp() * 1000)
        return (
            f"{prefix}_{_base32(millis, _TIME_CHARS)}{_base32(secrets.randbits(70), _RANDOM_CHARS)}"
        )

    def token(self) -> str:
        """An unguessable secret for URLs and keys."""
        return secrets.token_urlsafe(24)


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
