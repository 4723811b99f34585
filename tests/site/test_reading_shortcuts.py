"""What the plugin changes in how Pelican reads posts gives what Pelican itself gives.

It converts every post with one ``Markdown`` instance; nothing of a post (its footnotes, its
abbreviations, its headings' ids, its metadata) may leak into the next.
"""

from __future__ import annotations

from pathlib import Path

from pelican.readers import MarkdownReader
from pelican.settings import DEFAULT_CONFIG

from plugins.agora.markdown_reader import ReusingMarkdownReader

POSTS = [
    "Title: Un\nSummary: Le *premier* résumé.\nTags: a, b\n\n"
    "## Pourquoi\n\nUne note[^1] et le HTML.\n\n*[HTML]: HyperText\n\n[^1]: La note.\n",
    # No formatted field (Pelican resets its converter for those): the next post must still
    # not get this one's note nor its heading's id.
    "Title: Deux\n\n## Pourquoi\n\nUne note[^2] sans HTML à expliquer.\n\n"
    "Term\n:   Definition\n\n[^2]: Celle de deux.\n",
    "Sans métadonnées.\n\n## Pourquoi\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "Title: Quatre\nSummary: Un autre **résumé**.\n\nUne autre note[^x].\n\n[^x]: Celle-ci.\n",
]


def _settings() -> dict[str, object]:
    settings = dict(DEFAULT_CONFIG)
    settings["MARKDOWN"] = {
        "extension_configs": {
            "markdown.extensions.extra": {},
            "markdown.extensions.meta": {},
            "markdown.extensions.toc": {"permalink": False},
        },
        "output_format": "html5",
    }
    return settings


def test_each_post_reads_as_if_it_were_the_first(tmp_path: Path) -> None:
    files = []
    for number, text in enumerate(POSTS):
        path = tmp_path / f"post-{number}.md"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    reusing = ReusingMarkdownReader(_settings())
    for path in files * 2:  # twice over: the second round follows every other post
        expected = MarkdownReader(_settings()).read(path)
        assert reusing.read(path) == expected, path


def test_a_remembered_relative_path_is_pelicans_own(tmp_path: Path) -> None:
    from pelican.contents import Article

    from plugins.agora import source_paths

    settings = _settings()
    settings["PATH"] = str(tmp_path / "content")
    source = str(tmp_path / "content" / "posts" / "un.md")
    article = Article("<p>x</p>", metadata={"title": "Un"}, settings=settings, source_path=source)
    expected = source_paths._ORIGINAL(article)
    source_paths.remember_relative_source_paths()
    assert expected == "posts/un.md"
    assert article.get_relative_source_path() == expected
    assert article.get_relative_source_path() == expected  # from memory this time
    other = str(tmp_path / "content" / "pages" / "deux.md")
    assert article.get_relative_source_path(other) == "pages/deux.md"
