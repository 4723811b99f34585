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
"""

from __future__ import annotations


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
        super().__init__(message)
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
