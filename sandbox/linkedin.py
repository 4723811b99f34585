"""The local LinkedIn peer: our own double of the LinkedIn REST API the client uses.

LinkedIn cannot run on loopback and publishes no machine-readable description of its API, so the
sandbox runs a stateful double written from its reference pages (``sandbox/linkedin_api.py``),
which checks the headers and the Rest.li 2.0 encoding of what it receives and refuses what
LinkedIn refuses (an unescaped reserved character in little text, a missing ``LinkedIn-Version``).
It seeds the company page "Vélos Boréal" (administered by the brand's member), three readers and
one employee with tokens made at each start, and the app's client id and secret (for token
introspection). They live only in the run folder (mode 600) and ``.sandbox/env``. Its control
routes (``/_double/...``) let tests inject faults, let a reader comment, react or repost, delete
a post and count what a run costs; ``LinkedInServer`` wraps them.

``start`` runs it in a child process of its own (``serve``), in a new session.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox import doubles

ROOT = Path(__file__).resolve().parent.parent
# The child's program (``-m`` on this module would import it twice: once via the package).
BRAND = "velosboreal"
ORGANIZATION_NAME = "Vélos Boréal"
ORGANIZATION_VANITY = "velos-boreal"
_ALPHANUMERIC = string.ascii_letters + string.digits
# username, display name, role, headline, scopes: the page's administrator (the brand), three
# readers and one employee with her own token.
ACCOUNTS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    (
        BRAND,
        "Vélos Boréal",
        "brand",
        "Administrator of the Vélos Boréal page",
        (
            "w_organization_social",
            "r_organization_social",
            "rw_organization_admin",
            "w_member_social",
        ),
    ),
    ("lea", "Léa Gagnon", "reader", "Cyclist in Montréal", ("w_member_social",)),
    ("samuel", "Samuel Okafor", "reader", "Bike mechanic", ("w_member_social",)),
    ("noor", "Noor Haddad", "reader", "Urban planner", ("w_member_social",)),
    (
        "camille",
        "Camille Tremblay",
        "employee",
        "Product lead at Vélos Boréal",
        ("w_member_social", "r_member_social", "r_member_postAnalytics"),
    ),
)


@dataclass(frozen=True)
class LinkedInAccount:
    """A demo member, their person id and access token."""

    username: str
    display_name: str
    role: str
    headline: str
    person_id: str
    token: str
    scopes: tuple[str, ...]

    @property
    def urn(self) -> str:
        """The member's person URN."""
        return f"urn:li:person:{self.person_id}"


@dataclass(frozen=True)
class LinkedInServer:
    """A running local LinkedIn double, its page and the app's client credentials."""

    base_url: str
    organization: str
    client_id: str
    client_secret: str
    accounts: tuple[LinkedInAccount, ...]

    def account(self, username: str) -> LinkedInAccount:
        """The demo account ``username``."""
        for account in self.accounts:
            if account.username == username.lstrip("@"):
                return account
        raise KeyError(username)

    @property
    def brand(self) -> LinkedInAccount:
        """The page's administrator, whose token posts as the organization."""
        return self.account(BRAND)

    @property
    def brand_token(self) -> str:
        """The company's access token."""
        return self.brand.token

    @property
    def organization_urn(self) -> str:
        """The company page's URN."""
        return f"urn:li:organization:{self.organization}"

    @property
    def readers(self) -> tuple[LinkedInAccount, ...]:
        """The demo readers."""
        return tuple(a for a in self.accounts if a.role == "reader")

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``.sandbox/info.json`` and the double's configuration."""
        return {
            "base_url": self.base_url,
            "organization": self.organization,
            "organization_name": ORGANIZATION_NAME,
            "organization_vanity": ORGANIZATION_VANITY,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "accounts": [asdict(a) for a in self.accounts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinkedInServer:
        """The inverse of ``to_json``."""
        return cls(
            base_url=data["base_url"],
            organization=data["organization"],
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            accounts=tuple(
                LinkedInAccount(**{**a, "scopes": tuple(a["scopes"])}) for a in data["accounts"]
            ),
        )

    # The double's control routes (not LinkedIn's API).

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
        """Make the next ``times`` requests to ``path`` (as sent, or its template such as
        ``/rest/posts``) answer ``status`` with LinkedIn's error body (or ``body``)."""
        fault: dict[str, Any] = {"path": path, "status": status, "times": times}
        fault |= {"method": method, "headers": headers or {}, "body": body}
        self._control("POST", "faults", fault)

    def comment(self, username: str, on: str, text: str, parent: str = "") -> str:
        """``username`` comments ``text`` on the post ``on`` (under ``parent``); its URN."""
        body = {"username": username, "on": on, "text": text, "parent": parent or None}
        urn: str = self._control("POST", "comment", body)["commentUrn"]
        return urn

    def react(self, username: str, on: str, kind: str = "LIKE") -> None:
        """``username`` reacts to ``on`` (``LIKE``, ``PRAISE``, ``EMPATHY``...)."""
        self._control("POST", "react", {"username": username, "on": on, "type": kind})

    def repost(self, username: str, on: str) -> None:
        """``username`` reposts the post ``on`` (LinkedIn counts it and lists nobody)."""
        self._control("POST", "repost", {"username": username, "on": on})

    def mention(self, username: str, text: str, on: str = "") -> str:
        """``username`` posts ``text`` (or comments it on the post ``on``) mentioning the page
        first, as LinkedIn's site writes a mention; the post's or comment's URN. The page's
        notifications list it (``SHARE_MENTION`` or ``COMMENT_MENTION``)."""
        body = {"username": username, "text": text, "on": on or None}
        urn: str = self._control("POST", "mention", body)["urn"]
        return urn

    def comments_on(self, urn: str) -> list[dict[str, Any]]:
        """The live comments of a post (or answers of a comment): URN, actor and text."""
        found: list[dict[str, Any]] = self._control(
            "GET", f"comments?{httpx.QueryParams({'on': urn})}"
        )["comments"]
        return found

    def delete(self, urn: str) -> None:
        """Delete a post or a comment, as its author would on LinkedIn."""
        self._control("POST", "delete", {"urn": urn})

    def expire(self, username: str) -> None:
        """Make ``username``'s token expired."""
        self._control("POST", "expire", {"username": username})

    def read(self, urn: str) -> str:
        """A post's or comment's text as a reader sees it."""
        text: str = self._control("GET", f"read?{httpx.QueryParams({'urn': urn})}")["text"]
        return text

    def posts_linking_to(self, url: str, author: str = "") -> list[str]:
        """The live posts of ``author`` (the page by default) linking to ``url``."""
        params = httpx.QueryParams({"link": url, **({"author": author} if author else {})})
        found: list[str] = self._control("GET", f"posts?{params}")["posts"]
        return found

    def requests(self) -> dict[str, int]:
        """API requests by ``METHOD /path/{template}`` since the last reset."""
        counts: dict[str, int] = self._control("GET", "requests")["requests"]
        return counts

    def reset_requests(self) -> None:
        """Start counting API requests from zero."""
        self._control("DELETE", "requests")


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def new_server(base_url: str) -> LinkedInServer:
    """Fresh throw-away credentials for the demo accounts: LinkedIn's formats, random values."""
    accounts = tuple(
        LinkedInAccount(name, display, role, headline, _random(10), f"AQ{_random(150)}", scopes)
        for name, display, role, headline, scopes in ACCOUNTS
    )
    return LinkedInServer(
        base_url=base_url,
        organization=str(secrets.randbelow(90_000_000) + 10_000_000),
        client_id=_random(14).lower(),
        client_secret=f"WPL_AP1.{_random(16)}",
        accounts=accounts,
    )


def start(home: Path, port: int = 3200) -> LinkedInServer:
    """Start the double on loopback ``port`` with its files in ``home``; return when it answers."""
    server = new_server(f"http://localhost:{port}")
    doubles.start(home, port, server.to_json(), app="sandbox.linkedin_api", label="LinkedIn double")
    return server


def stop(home: Path) -> None:
    """Stop the double and delete its configuration (with the credentials)."""
    doubles.stop(home)


def running(home: Path) -> bool:
    """Whether the double recorded in ``home`` is alive."""
    return doubles.running(home)
