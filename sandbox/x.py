"""The local X peer: our own double of the X API v2 subset the client uses (``sandbox/x_api.py``).

X cannot run on loopback, so the sandbox runs a stateful double, proven against X's vendor OpenAPI
document by ``tests/x/test_double.py``. It seeds the same people as the Mastodon peer (the brand,
three readers, one employee) with OAuth 1.0a credentials made at each start: one consumer key and
secret for the app, an access token and secret per account. They live only in the run folder
(mode 600) and ``.sandbox/env``. Its control routes (``/_double/...``) let tests inject faults,
protect an account, backdate a post and count what a run costs; ``XServer`` wraps them.

``start`` runs it in a child process of its own (``serve``), in a new session.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox import doubles
from sandbox.mastodon import ACCOUNTS, BRAND

ROOT = Path(__file__).resolve().parent.parent
# The child's program (``-m`` on this module would import it twice: once via the package).
# X's snowflake epoch, so that the demo accounts' ids look like X's and tell their creation time.
_TWEPOCH_MS = 1288834974657
_ALPHANUMERIC = string.ascii_letters + string.digits


@dataclass(frozen=True)
class XAccount:
    """A demo account and its OAuth 1.0a access token and secret."""

    username: str
    display_name: str
    role: str
    user_id: str
    access_token: str
    access_token_secret: str


@dataclass(frozen=True)
class XServer:
    """A running local X double and its app's consumer credentials."""

    base_url: str
    consumer_key: str
    consumer_secret: str
    accounts: tuple[XAccount, ...]

    def account(self, username: str) -> XAccount:
        """The demo account ``username``."""
        for account in self.accounts:
            if account.username == username.lstrip("@"):
                return account
        raise KeyError(username)

    @property
    def brand(self) -> XAccount:
        """The company's account."""
        return self.account(BRAND)

    @property
    def readers(self) -> tuple[XAccount, ...]:
        """The demo readers."""
        return tuple(a for a in self.accounts if a.role == "reader")

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``.sandbox/info.json``."""
        return {
            "base_url": self.base_url,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "accounts": [asdict(a) for a in self.accounts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> XServer:
        """The inverse of ``to_json``."""
        return cls(
            base_url=data["base_url"],
            consumer_key=data["consumer_key"],
            consumer_secret=data["consumer_secret"],
            accounts=tuple(XAccount(**a) for a in data["accounts"]),
        )

    # The double's control routes (not X's API): faults, protected accounts, request counts.

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.base_url}/_double/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(
        self,
        path: str,
        status: int,
        *,
        method: str | None = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Make the next ``times`` requests to ``path`` (a path or its template) answer ``status``.

        Without ``body``, the answer is X's own for 401, 402 (usage capped), 403 (client not
        enrolled), 429 (with ``x-rate-limit-reset``) and 500.
        """
        fault: dict[str, Any] = {"path": path, "status": status, "times": times}
        fault |= {"method": method, "headers": headers or {}, "body": body}
        self._control("POST", "faults", fault)

    def protect(self, username: str, protected: bool = True) -> None:
        """Make ``username``'s posts protected (or public again)."""
        self._control("POST", "protect", {"username": username, "protected": protected})

    def backdate(self, post_id: str, days: float) -> None:
        """Move a post's creation time ``days`` back (its id keeps its place)."""
        self._control("POST", "backdate", {"id": post_id, "days": days})

    def requests(self) -> dict[str, int]:
        """API requests by ``METHOD /path/{template}`` since the last reset."""
        counts: dict[str, int] = self._control("GET", "requests")["requests"]
        return counts

    def reset_requests(self) -> None:
        """Start counting API requests from zero."""
        self._control("DELETE", "requests")


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def _user_ids(count: int) -> list[str]:
    """Snowflake ids made now, one apart, as X gives its newer accounts."""
    base = (int(time.time() * 1000) - _TWEPOCH_MS) << 22
    return [str(base + n) for n in range(count)]


def new_server(base_url: str) -> XServer:
    """Fresh throw-away credentials for the demo accounts: X's formats, random values."""
    ids = _user_ids(len(ACCOUNTS))
    accounts = tuple(
        # X's access tokens start with the owner's id.
        XAccount(name, display, role, user_id, f"{user_id}-{_random(30)}", _random(45))
        for (name, display, role), user_id in zip(ACCOUNTS, ids, strict=True)
    )
    return XServer(
        base_url=base_url,
        consumer_key=_random(25),
        consumer_secret=_random(50),
        accounts=accounts,
    )


def start(home: Path, port: int = 3100, *, rate_limits: bool = True) -> XServer:
    """Start the double on loopback ``port`` with its files in ``home``; return when it answers.

    ``rate_limits=False`` lifts X's per-user limits (a benchmark seeds a thousand posts).
    """
    server = new_server(f"http://localhost:{port}")
    config = {**server.to_json(), "rate_limits": rate_limits}
    doubles.start(home, port, config, app="sandbox.x_api", label="X double")
    return server


def stop(home: Path) -> None:
    """Stop the double and delete its configuration (with the credentials)."""
    doubles.stop(home)


def running(home: Path) -> bool:
    """Whether the double recorded in ``home`` is alive."""
    return doubles.running(home)
