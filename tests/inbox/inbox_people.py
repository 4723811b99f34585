"""The readers, the brand and the replies the inbox tests build their states from.

The module name is unique in the test tree because test folders have no ``__init__.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syndication.model import Interaction, InteractionKind, Person

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEA = Person("mastodon", "1", "lea@velo.example", name="Léa")
SAM = Person("bluesky", "did:plc:sam", "samuel.test", name="Samuel")
NOOR = Person("mastodon", "3", "noor@velo.example", name="Noor")
BRAND = Person("mastodon", "99", "velosboreal@velo.example", name="Vélos Boréal")


def reply_item(
    network: str, native: str, who: Person, hours_ago: float, text: str, **extra: object
) -> Interaction:
    """A reply by ``who`` to the copy (``in_reply_to`` defaults to it), ``hours_ago`` before NOW."""
    fields: dict[str, object] = {"kind": InteractionKind.REPLY, "in_reply_to": "copy", **extra}
    return Interaction(
        network=network,
        id=native,
        author=who,
        published_at=NOW - timedelta(hours=hours_ago),
        content_text=text,
        **fields,  # type: ignore[arg-type]
    )
