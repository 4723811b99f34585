"""The local Meta peer: our own double of the Graph API a Facebook Page is used through.

Meta's Graph API cannot run on loopback, so the sandbox runs a stateful double written from its
reference pages (``sandbox/meta_api.py``); the tests hold what it answers to Meta's own
specification files (``tests/meta/meta_spec.py``). It seeds the company's Page "Vélos Boréal",
its Page token (a system user's, which never expires), that system user's own token, and three
readers, with tokens made at each start that live only in the run folder (mode 600) and
``.sandbox/env``. Its control routes (``/_double/...``) let tests inject faults, let a reader
comment or react, hide or delete a comment, expire the token and count what a run costs;
``MetaServer`` wraps them.

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
VERSION = "v26.0"
PAGE_NAME = "Vélos Boréal"
THREADS_USERNAME = "velosboreal"
THREADS_VERSION = "v1.0"
INSTAGRAM_USERNAME = "velosboreal"
_ALPHANUMERIC = string.ascii_letters + string.digits
READERS = (("lea", "Léa Gagnon"), ("samuel", "Samuel Okafor"), ("noor", "Noor Haddad"))


@dataclass(frozen=True)
class MetaReader:
    """A demo reader: their Page-scoped id and name."""

    username: str
    id: str
    name: str
    threads_id: str = ""  # their Threads user id (their username is ``username``)
    instagram_id: str = ""  # their Instagram-scoped id (their username is ``username``)


@dataclass(frozen=True)
class MetaServer:
    """A running local Graph API double: the Page, its token, the readers."""

    base_url: str
    app_id: str
    page_id: str
    page_token: str
    system_user_id: str
    user_token: str
    readers: tuple[MetaReader, ...]
    threads_user_id: str = ""
    threads_username: str = ""
    threads_token: str = ""
    instagram_user_id: str = ""
    instagram_username: str = ""
    instagram_token: str = ""

    @property
    def graph_url(self) -> str:
        """Where Graph answers (``AGORA_FACEBOOK_GRAPH_URL``); requests add the version."""
        return self.base_url

    def reader(self, username: str) -> MetaReader:
        """The demo reader ``username``."""
        for reader in self.readers:
            if reader.username == username:
                return reader
        raise KeyError(username)

    def env(self) -> dict[str, str]:
        """The variables that point Agora's Facebook settings at this double's Page."""
        return {
            "AGORA_FACEBOOK_GRAPH_URL": self.base_url,
            "AGORA_FACEBOOK_GRAPH_VERSION": VERSION,
            "AGORA_FACEBOOK_PAGE_ID": self.page_id,
            "AGORA_FACEBOOK_PAGE_TOKEN": self.page_token,
        }

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``.sandbox/info.json`` and the double's configuration."""
        return {
            "base_url": self.base_url,
            "app_id": self.app_id,
            "page_id": self.page_id,
            "page_name": PAGE_NAME,
            "page_token": self.page_token,
            "system_user_id": self.system_user_id,
            "user_token": self.user_token,
            "readers": [asdict(r) for r in self.readers],
            "threads_user_id": self.threads_user_id,
            "threads_username": self.threads_username,
            "threads_token": self.threads_token,
            "instagram_user_id": self.instagram_user_id,
            "instagram_username": self.instagram_username,
            "instagram_token": self.instagram_token,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MetaServer:
        """The inverse of ``to_json``."""
        return cls(
            base_url=data["base_url"],
            app_id=data["app_id"],
            page_id=data["page_id"],
            page_token=data["page_token"],
            system_user_id=data["system_user_id"],
            user_token=data["user_token"],
            readers=tuple(MetaReader(**r) for r in data["readers"]),
            threads_user_id=data.get("threads_user_id", ""),
            threads_username=data.get("threads_username", ""),
            threads_token=data.get("threads_token", ""),
            instagram_user_id=data.get("instagram_user_id", ""),
            instagram_username=data.get("instagram_username", ""),
            instagram_token=data.get("instagram_token", ""),
        )

    # The double's control routes (not Graph's).

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.base_url}/_double/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(
        self,
        path: str,
        status: int,
        code: int,
        *,
        subcode: int | None = None,
        message: str = "",
        method: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` requests to ``path`` (as sent, or its template such as
        ``/page/feed``) answer ``status`` with Graph's error object of ``code``."""
        fault = {"path": path, "status": status, "code": code, "subcode": subcode}
        fault |= {"message": message, "method": method, "headers": headers or {}, "times": times}
        self._control("POST", "faults", fault)

    def comment(self, username: str, on: str, text: str) -> str:
        """The reader ``username`` comments ``text`` on a post (or answers a comment); its id."""
        body = {"reader": self.reader(username).id, "on": on, "text": text}
        made: str = self._control("POST", "comment", body)["id"]
        return made

    def tag(self, username: str, text: str) -> str:
        """The reader ``username`` posts ``text`` on their own timeline, tagging the Page (the
        Page's ``tagged`` edge lists it); the post's id."""
        body = {"reader": self.reader(username).id, "text": text}
        made: str = self._control("POST", "tag", body)["id"]
        return made

    def react(self, username: str, on: str, kind: str = "LIKE") -> None:
        """The reader ``username`` reacts to ``on`` (``LIKE``, ``LOVE``, ``WOW``...)."""
        self._control("POST", "react", {"reader": self.reader(username).id, "on": on, "type": kind})

    def share(self, post: str, count: int) -> None:
        """People shared the Page's ``post`` ``count`` times in all (Graph's ``shares.count``)."""
        self._control("POST", "share", {"on": post, "count": count})

    def hide(self, node: str) -> None:
        """The Page hides a comment (Facebook keeps it, shown to its author only)."""
        self._control("POST", "hide", {"id": node})

    def delete(self, node: str) -> None:
        """Delete a post or a comment, as its author would on Facebook."""
        self._control("POST", "delete", {"id": node})

    def expire(self, kind: str = "PAGE") -> None:
        """Make the tokens of ``kind`` (PAGE or USER) expired."""
        self._control("POST", "expire", {"kind": kind})

    def read_comment(self, node: str) -> dict[str, Any]:
        """A comment as stored (404 when it is not there)."""
        found: dict[str, Any] = self._control("GET", f"comment?{httpx.QueryParams({'id': node})}")
        return found

    def read_post(self, post: str) -> dict[str, Any]:
        """A post and its visible thread (``comments``), as a reader sees it on Facebook."""
        found: dict[str, Any] = self._control("GET", f"post?{httpx.QueryParams({'id': post})}")
        return found

    def posts_linking_to(self, url: str) -> list[str]:
        """The Page's live posts linking to ``url`` (their link, or their text)."""
        found: list[str] = self._control("GET", f"posts?{httpx.QueryParams({'link': url})}")[
            "posts"
        ]
        return found

    def count_posts_linking_to(self, url: str) -> int:
        """How many live posts of the Page link to ``url`` (exactly once: 1)."""
        return len(self.posts_linking_to(url))

    # Threads, at ``{base_url}/threads`` (its own host upstream, ``sandbox/threads_api.py``).

    @property
    def threads_url(self) -> str:
        """Where Threads answers (``AGORA_THREADS_GRAPH_URL``); requests add the version."""
        return f"{self.base_url}/threads"

    def threads_env(self) -> dict[str, str]:
        """The variables that point Agora's Threads settings at this double's profile."""
        return {
            "AGORA_THREADS_GRAPH_URL": self.threads_url,
            "AGORA_THREADS_API_VERSION": THREADS_VERSION,
            "AGORA_THREADS_USER_ID": self.threads_user_id,
            "AGORA_THREADS_ACCESS_TOKEN": self.threads_token,
        }

    def _threads(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method, f"{self.threads_url}/_double/{path}", json=body, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def threads_reply(self, username: str, on: str, text: str) -> str:
        """The reader ``username`` replies ``text`` on Threads to a post or a reply; its id."""
        body = {"reader": self.reader(username).threads_id, "on": on, "text": text}
        made: str = self._threads("POST", "reply", body)["id"]
        return made

    def threads_mention(self, username: str, text: str) -> str:
        """The reader ``username`` posts ``text`` on Threads tagging the profile (its
        ``mentions`` edge lists it); the post's id."""
        body = {"reader": self.reader(username).threads_id, "text": text}
        made: str = self._threads("POST", "mention", body)["id"]
        return made

    def threads_hide(self, media: str) -> None:
        """The profile hides a reply (and so every reply under it)."""
        self._threads("POST", "hide", {"id": media})

    def threads_token_days_left(self, days: float = 60) -> None:
        """The profile's token now expires in ``days`` (60: as when it was made)."""
        self._threads("POST", "token", {"days_left": days})

    def threads_containers(
        self, polls: int = 0, status: str = "FINISHED", message: str = ""
    ) -> None:
        """The next containers answer ``IN_PROGRESS`` ``polls`` times, then ``status``."""
        self._threads("POST", "container", {"polls": polls, "status": status, "message": message})

    def threads_container_status(self, container: str, status: str) -> None:
        """A container made earlier is now in ``status`` (``EXPIRED`` after 24 hours)."""
        self._threads("POST", "container_status", {"id": container, "status": status})

    def threads_fault(
        self,
        path: str,
        status: int,
        code: int,
        *,
        subcode: int | None = None,
        message: str = "",
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` Threads requests to ``path`` (or its template such as
        ``/user/threads_publish``) answer ``status`` with Graph's error object of ``code``."""
        fault = {"path": path, "status": status, "code": code, "subcode": subcode}
        fault |= {"message": message, "method": method, "times": times}
        self._threads("POST", "faults", fault)

    def threads_expire(self) -> None:
        """Make the profile's Threads token expired."""
        self._threads("POST", "expire", {})

    def threads_post(self, media: str) -> dict[str, Any]:
        """A Threads post or reply as stored (404 when it is not there)."""
        found: dict[str, Any] = self._threads("GET", f"post?{httpx.QueryParams({'id': media})}")
        return found

    def threads_replies_to(self, media: str) -> list[dict[str, Any]]:
        """The direct replies to a Threads post, as the double stores them (anyone's)."""
        query = httpx.QueryParams({"on": media})
        found: list[dict[str, Any]] = self._threads("GET", f"replies?{query}")["replies"]
        return found

    def threads_posts_linking_to(self, url: str) -> list[str]:
        """The profile's Threads posts linking to ``url`` (their link attachment, or text)."""
        found: list[str] = self._threads("GET", f"posts?{httpx.QueryParams({'link': url})}")[
            "posts"
        ]
        return found

    def count_threads_posts_linking_to(self, url: str) -> int:
        """How many Threads posts of the profile link to ``url`` (exactly once: 1)."""
        return len(self.threads_posts_linking_to(url))

    def threads_requests(self) -> dict[str, int]:
        """Threads requests by ``METHOD /template`` since the last reset."""
        counts: dict[str, int] = self._threads("GET", "requests")["requests"]
        return counts

    def reset_threads_requests(self) -> None:
        """Start counting Threads requests from zero."""
        self._threads("DELETE", "requests")

    # Instagram, at ``{base_url}/instagram`` (graph.facebook.com upstream, a state of its own
    # here: ``sandbox/instagram_api.py``).

    @property
    def instagram_url(self) -> str:
        """Where Instagram answers (``AGORA_INSTAGRAM_GRAPH_URL``); requests add the version."""
        return f"{self.base_url}/instagram"

    def instagram_env(self) -> dict[str, str]:
        """The variables that point Agora's Instagram settings at this double's account."""
        return {
            "AGORA_INSTAGRAM_GRAPH_URL": self.instagram_url,
            "AGORA_INSTAGRAM_GRAPH_VERSION": VERSION,
            "AGORA_INSTAGRAM_USER_ID": self.instagram_user_id,
            "AGORA_INSTAGRAM_ACCESS_TOKEN": self.instagram_token,
            "AGORA_INSTAGRAM_BLOG_NAME": PAGE_NAME,
            "AGORA_INSTAGRAM_REFRESH_URL": self.instagram_url,
        }

    def _instagram(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method, f"{self.instagram_url}/_double/{path}", json=body, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def instagram_comment(self, username: str, on: str, text: str) -> str:
        """The reader ``username`` comments a media, or answers a top-level comment; its id."""
        body = {"reader": self.reader(username).instagram_id, "on": on, "text": text}
        made: str = self._instagram("POST", "comment", body)["id"]
        return made

    def instagram_tag(self, username: str, text: str) -> str:
        """The reader ``username`` posts a media captioned ``text`` that tags the account (its
        ``tags`` edge lists it); the media's id."""
        body = {"reader": self.reader(username).instagram_id, "text": text}
        made: str = self._instagram("POST", "tag", body)["id"]
        return made

    def instagram_hide(self, comment: str) -> None:
        """The account hides a comment (Instagram shows it to the account with ``hidden``)."""
        self._instagram("POST", "hide", {"id": comment})

    def instagram_token_days_left(self, days: float | None = None) -> None:
        """The account's token now expires in ``days`` (an Instagram Login token); None: never."""
        self._instagram("POST", "token", {"days_left": days})

    def instagram_containers(
        self, polls: int = 0, status: str = "FINISHED", message: str = ""
    ) -> None:
        """The next containers answer ``IN_PROGRESS`` ``polls`` times, then ``status``."""
        body = {"polls": polls, "status": status, "message": message}
        self._instagram("POST", "container", body)

    def instagram_container_status(self, container: str, status: str) -> None:
        """A container made earlier is now in ``status`` (``EXPIRED`` after 24 hours)."""
        self._instagram("POST", "container_status", {"id": container, "status": status})

    def instagram_quota(self, usage: int = 0, total: int = 100) -> None:
        """The account's publishing quota: ``usage`` of ``total`` posts in 24 hours."""
        self._instagram("POST", "quota", {"usage": usage, "total": total})

    def instagram_fault(
        self,
        path: str,
        status: int,
        code: int,
        *,
        subcode: int | None = None,
        message: str = "",
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` Instagram requests to ``path`` (or its template such as
        ``/user/media_publish``) answer ``status`` with Graph's error object of ``code``."""
        fault = {"path": path, "status": status, "code": code, "subcode": subcode}
        fault |= {"message": message, "method": method, "times": times}
        self._instagram("POST", "faults", fault)

    def instagram_expire(self, expired: bool = True) -> None:
        """Make the account's token expired (or valid again)."""
        self._instagram("POST", "expire", {"expired": expired})

    def instagram_forget(self) -> None:
        """Delete the account's containers, media and comments (a test's fresh account)."""
        self._instagram("POST", "forget", {})

    def instagram_media(self, media: str) -> dict[str, Any]:
        """A media as stored, with its shown comments (404 when it is not there)."""
        found: dict[str, Any] = self._instagram("GET", f"media?{httpx.QueryParams({'id': media})}")
        return found

    def instagram_read_comment(self, comment: str) -> dict[str, Any]:
        """A comment as stored (404 when it is not there)."""
        query = httpx.QueryParams({"id": comment})
        found: dict[str, Any] = self._instagram("GET", f"comment?{query}")
        return found

    def instagram_posts_naming(self, title: str) -> list[str]:
        """The account's media whose caption names ``title`` on its first line."""
        query = httpx.QueryParams({"title": title})
        found: list[str] = self._instagram("GET", f"posts?{query}")["posts"]
        return found

    def count_instagram_posts_naming(self, title: str) -> int:
        """How many media of the account name ``title`` (exactly once: 1)."""
        return len(self.instagram_posts_naming(title))

    def instagram_requests(self) -> dict[str, int]:
        """Instagram requests by ``METHOD /template`` since the last reset."""
        counts: dict[str, int] = self._instagram("GET", "requests")["requests"]
        return counts

    def reset_instagram_requests(self) -> None:
        """Start counting Instagram requests from zero."""
        self._instagram("DELETE", "requests")

    def requests(self) -> dict[str, int]:
        """Graph requests by ``METHOD /template`` since the last reset."""
        counts: dict[str, int] = self._control("GET", "requests")["requests"]
        return counts

    def reset_requests(self) -> None:
        """Start counting Graph requests from zero."""
        self._control("DELETE", "requests")


def _random(length: int, alphabet: str = _ALPHANUMERIC) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_server(base_url: str) -> MetaServer:
    """Fresh throw-away ids and tokens in Meta's formats (``EAA...`` tokens, digit ids)."""
    digits = string.digits
    return MetaServer(
        base_url=base_url,
        app_id=_random(15, digits),
        page_id="1" + _random(14, digits),
        page_token=f"EAAG{_random(180)}",
        system_user_id="6" + _random(14, digits),
        user_token=f"EAAG{_random(180)}",
        readers=tuple(
            MetaReader(
                username,
                "2" + _random(15, digits),
                name,
                "17" + _random(15, digits),
                "178" + _random(14, digits),
            )
            for username, name in READERS
        ),
        threads_user_id="17" + _random(15, digits),
        threads_username=THREADS_USERNAME,
        threads_token=f"THAA{_random(180)}",
        instagram_user_id="17841" + _random(12, digits),
        instagram_username=INSTAGRAM_USERNAME,
        instagram_token=f"EAAG{_random(180)}",
    )


def start(home: Path, port: int = 3300) -> MetaServer:
    """Start the double on loopback ``port`` with its files in ``home``; return when it answers."""
    server = new_server(f"http://localhost:{port}")
    doubles.start(home, port, server.to_json(), app="sandbox.meta_api", label="Meta Graph double")
    return server


def stop(home: Path) -> None:
    """Stop the double and delete its configuration (with the credentials)."""
    doubles.stop(home)


def running(home: Path) -> bool:
    """Whether the double recorded in ``home`` is alive."""
    return doubles.running(home)
