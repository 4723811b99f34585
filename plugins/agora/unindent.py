"""The theme's templates read without the indentation of their lines.

The templates are indented for the people who edit them; a browser ignores the spaces at the start
of a line of HTML (outside ``<pre>``, which no template of the theme has), but every page carried
them: 1.6 MB of a 4,000-post site (issue 20's output size). A Jinja extension's ``preprocess``
removes them from each template's source before it is compiled
(https://jinja.palletsprojects.com/en/stable/extensions/#jinja2.ext.Extension.preprocess), so
rendering costs nothing more, and a post's own text, which the templates insert, keeps its
spaces. Home-made because it is one regular expression: the HTML minifiers on PyPI work on the
rendered page, at a cost per page, and would rewrite the posts' HTML too.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2.ext import Extension

_INDENTATION = re.compile(r"^[ \t]+", re.MULTILINE)


class Unindent(Extension):
    """Remove the spaces and tabs that start each line of a template's source."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """``source`` with every line's indentation removed."""
        return _INDENTATION.sub("", source)


def unindent_templates(generator: Any) -> None:
    """Make ``generator``'s Jinja environment read its templates without their indentation.

    Before any template is loaded: ``compiled.TEMPLATES`` keeps what an environment compiled, for
    every environment of the process, and all of them read templates this way.
    """
    environment = getattr(generator, "env", None)
    if environment is not None and Unindent.identifier not in environment.extensions:
        environment.add_extension(Unindent)
