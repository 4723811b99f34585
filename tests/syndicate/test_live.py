"""Is a post live? Against a loopback server serving a site Pelican really built."""

from __future__ import annotations

import asyncio

import httpx
from syndicate_support import Site, post_file

from syndication.publish.live import Liveness, check_all, parse_opengraph


def check(urls: list[str]) -> dict[str, Liveness]:
    async def main() -> dict[str, Liveness]:
        async with httpx.AsyncClient() as client:
            return await check_all(client, urls, timeout=5)

    return asyncio.run(main())


def test_live_only_with_200_and_opengraph(site: Site) -> None:
    image = site.add_image("hiver.jpg")
    site.add_post(
        "hiver.md",
        post_file("rouler-l-hiver", extra={"Image": image, "Image_alt": "Une chaîne salée."}),
    )
    site.build()
    post = f"{site.url}/rouler-l-hiver/"
    missing = f"{site.url}/pas-encore-deploye/"
    no_tags = f"{site.url}/pages/about/"

    results = check([post, missing, no_tags])

    assert results[post].live and results[post].reason == ""
    card = results[post].card
    assert card is not None
    assert card.url == post
    assert card.title == "Rouler l'hiver sans y laisser sa chaîne"
    assert card.description.startswith("Trois gestes simples")
    assert card.image_url == f"{site.url}/images/posts/hiver.jpg"
    assert card.image_alt == "Une chaîne salée."
    assert not results[missing].live and results[missing].reason == "answers 404"
    assert not results[no_tags].live
    assert results[no_tags].reason == "answers 200 but has no og:title or og:url"


def test_a_site_that_does_not_answer_is_not_live() -> None:
    results = check(["http://127.0.0.1:9/x/"])  # the discard port: nobody listens
    assert not results["http://127.0.0.1:9/x/"].live
    assert results["http://127.0.0.1:9/x/"].reason.startswith("does not answer")


def test_opengraph_parser_reads_entities_and_keeps_the_first_value() -> None:
    page = (
        '<html><head><meta property="og:title" content="Caf&eacute; &amp; v&eacute;lo">'
        '<meta property="og:title" content="second"><meta name="og:url" content="https://x/">'
        "</head><body><meta property='og:description' content='late'></body></html>"
    )
    assert parse_opengraph(page) == {
        "og:title": "Café & vélo",
        "og:url": "https://x/",
        "og:description": "late",
    }
