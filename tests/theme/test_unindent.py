"""The templates are read without their indentation; what they insert keeps its own."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from plugins.agora.unindent import Unindent


def test_a_template_loses_its_indentation_and_the_text_it_inserts_keeps_its_own() -> None:
    template = "<ul>\n  <li>\n\t{{ text }}</li>\n    {% if more %}<li>more</li>{% endif %}\n</ul>\n"
    environment = Environment(loader=DictLoader({"list.html": template}), extensions=[Unindent])
    code = "<pre>def f():\n    return 1</pre>"
    rendered = environment.get_template("list.html").render(text=code, more=True)
    assert rendered == f"<ul>\n<li>\n{code}</li>\n<li>more</li>\n</ul>"
