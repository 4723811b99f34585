"""The writers' guides list every front-matter key the code reads, in French and in English.

The keys are found in the code itself, not typed here: every ``.get("key")``, ``["key"]`` and
``"key" in`` on a post's metadata in ``plugins/`` and ``syndication/`` (``article.metadata``, or a
name bound to it, to ``raw_metadata(...)`` or to the Markdown reader's ``Meta`` of an answer
file), with the keys a loop feeds such a call, and each network's own text field from the
registry. A key the code starts reading fails this test until both guides explain it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from fixture_blog import ROOT

GUIDES = (ROOT / "docs" / "guide-redaction.md", ROOT / "docs" / "writers-guide.md")
SOURCES = (ROOT / "plugins", ROOT / "syndication")
# A key's row in a guide's tables: | `Key` | meaning | example |
_ROW = re.compile(r"^\|\s*`([A-Za-z][A-Za-z0-9_]*)`\s*\|", re.M)


def _binds_metadata(value: ast.expr) -> bool:
    """Whether ``value`` is a post's metadata: ``x.metadata``, ``raw_metadata(...)``, a Meta."""
    if isinstance(value, ast.Attribute):
        return value.attr == "metadata"
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "raw_metadata":
            return True
        arguments = [a.value for a in value.args if isinstance(a, ast.Constant)]
        return name == "getattr" and "Meta" in arguments
    return False


def _keys_in(tree: ast.AST) -> set[str]:
    """The metadata keys read anywhere in one module."""
    keys: set[str] = set()
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.Module)]:
        names: set[str] = set()
        loops: dict[str, set[str]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if _binds_metadata(node.value):
                    names |= {t.id for t in targets if isinstance(t, ast.Name)}
            if (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and isinstance(node.iter, ast.Tuple | ast.List | ast.Set)
            ):
                constants = {e.value for e in node.iter.elts if isinstance(e, ast.Constant)}
                loops[node.target.id] = {str(c) for c in constants}

        def is_metadata(node: ast.expr, names: set[str] = names) -> bool:
            return _binds_metadata(node) or (isinstance(node, ast.Name) and node.id in names)

        def key_of(node: ast.expr, loops: dict[str, set[str]] = loops) -> set[str]:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return {node.value}
            if isinstance(node, ast.Name):
                return loops.get(node.id, set())
            return set()

        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and is_metadata(node.func.value)
                and node.args
            ):
                keys |= key_of(node.args[0])
            elif isinstance(node, ast.Subscript) and is_metadata(node.value):
                keys |= key_of(node.slice)
            elif (
                isinstance(node, ast.Compare)
                and len(node.comparators) == 1
                and isinstance(node.ops[0], ast.In | ast.NotIn)
                and is_metadata(node.comparators[0])
            ):
                keys |= key_of(node.left)
    return keys


def keys_the_code_reads() -> set[str]:
    """Every front-matter key read by the plugin and the syndication package, lower-cased."""
    from syndication.networks.registry import NETWORKS

    keys: set[str] = set()
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            keys |= _keys_in(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    keys |= {network.override_field() for network in NETWORKS}
    return {key.lower() for key in keys}


def test_the_code_is_seen_reading_the_keys_it_reads() -> None:
    # The finder itself: keys read in several ways, in several modules, must all be found.
    found = keys_the_code_reads()
    expected = {"title", "date", "modified", "author", "authors", "image", "image_alt"}
    assert expected | {"syndicate", "summary", "translation", "comment", "as"} <= found
    assert {"bluesky_text", "x_text", "linkedin_text"} <= found
    assert "results" not in found  # a LinkedIn answer's "metadata", not a post's


@pytest.mark.parametrize("guide", GUIDES, ids=[g.name for g in GUIDES])
def test_the_guide_lists_every_key_the_code_reads(guide: Path) -> None:
    listed = {key.lower() for key in _ROW.findall(guide.read_text(encoding="utf-8"))}
    missing = sorted(keys_the_code_reads() - listed)
    assert not missing, f"{guide.name} does not explain: {', '.join(missing)}"
