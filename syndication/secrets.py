"""Keep credentials out of logs, messages and files.

Every credential read from the environment is registered here, and ``redact`` replaces any of them
in a text before it is shown or written. A logging filter applies it to every log record.
"""

from __future__ import annotations

import logging

_SECRETS: set[str] = set()


def register(value: str) -> str:
    """Remember ``value`` as a secret (ignoring trivially short ones) and return it unchanged."""
    if len(value) >= 6:
        _SECRETS.add(value)
    return value


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that removes registered secrets from every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
