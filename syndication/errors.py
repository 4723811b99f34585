"""The project's exceptions, drawn in one place.

    AgoraError                  anything this project reports to a person
    ├── ConfigError             a setting or environment variable is missing or wrong
    ├── ContentError            a post's file or metadata is malformed
    ├── StateError              a state file is unreadable or would be corrupted
    └── NetworkError            a social network did not do what was asked
        ├── AuthError           401/403: credentials rejected
        ├── RateLimited         429: carries ``retry_after`` seconds when the network said
        ├── Unavailable         5xx, timeouts, connection errors: worth retrying later
        ├── NotFound            404 or the network's own "not found"
        └── Rejected            4xx other than the above: the request itself is wrong

Every message is one sentence a person can act on: what is wrong, where, and what to do.
Messages never contain credentials (see ``syndication.secrets.redact``).

A network's own words (an error body) are untrusted: an adapter quotes them through
``network_words`` (one printable line of at most 200 characters), and every ``NetworkError``
makes its whole message one printable line again, whatever an adapter did, so a server's control
characters never reach a terminal (``syndication.cli.terminal``).
"""

from __future__ import annotations

from syndication.cli.terminal import ELLIPSIS, READABLE_LENGTH, one_line
from syndication.secrets import redact

# A message longer than this (a server's body no adapter cut) keeps its head and its tail, where
# our sentences say what to do.
MESSAGE_LIMIT = 1000
_HEAD = 300


def network_words(text: str, limit: int = READABLE_LENGTH) -> str:
    """A network's own words as they may enter a message: secrets redacted, control characters
    shown as escapes, on one line of at most ``limit`` characters (an ellipsis marks a cut)."""
    return one_line(redact(text), limit)


def _message(text: str) -> str:
    """A network error's message: one printable line, its middle cut when it is too long."""
    flat = one_line(text, None)
    if len(flat) <= MESSAGE_LIMIT:
        return flat
    tail = MESSAGE_LIMIT - _HEAD - 3
    return f"{flat[:_HEAD].rstrip()} {ELLIPSIS} {flat[-tail:].lstrip()}"


class AgoraError(Exception):
    """Base of every error this project reports to a person."""


class ConfigError(AgoraError):
    """A setting or environment variable is missing or wrong."""


class ContentError(AgoraError):
    """A post's file or metadata is malformed."""


class StateError(AgoraError):
    """A state file cannot be read or written safely."""


class NetworkError(AgoraError):
    """A social network did not do what was asked."""

    def __init__(self, message: str, *, network: str = "", status: int | None = None) -> None:
        super().__init__(_message(message))
        self.network = network
        self.status = status


class AuthError(NetworkError):
    """The network rejected the credentials (401/403)."""


class RateLimited(NetworkError):
    """The network asked us to slow down (429)."""

    def __init__(
        self,
        message: str,
        *,
        network: str = "",
        status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, network=network, status=status)
        self.retry_after = retry_after


class Unavailable(NetworkError):
    """The network failed on its side or did not answer (5xx, timeout): retry later."""


class NotFound(NetworkError):
    """The thing asked for does not exist on the network (any more)."""


class Rejected(NetworkError):
    """The network refused the request as malformed (4xx other than 401/403/404/429)."""
