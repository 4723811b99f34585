"""Each network is one folder declared once: the rest of the product asks the registry.

These tests read the product's own source, so they fail when a change names a network outside
``syndication/networks/`` (a comparison with its name, an import of its client, its variables),
and when the documents that a newcomer follows point at code that is no longer there.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.networks import registry
from syndication.networks.spec import Network

ROOT = Path(__file__).resolve().parents[2]
NETWORKS_FOLDER = ROOT / "syndication" / "networks"
# The product: everything that ships, but the networks' own folder (the local peers in sandbox/
# and the tests are development tooling, free to name what they start).
PRODUCT = [
    *sorted((ROOT / "syndication").rglob("*.py")),
    *sorted((ROOT / "plugins").rglob("*.py")),
    ROOT / "pelicanconf.py",
    ROOT / "publishconf.py",
    ROOT / "tasks.py",
]
OUTSIDE_NETWORKS = [path for path in PRODUCT if NETWORKS_FOLDER not in path.parents]


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are docstrings (they may describe networks)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _fragment_nodes(tree: ast.AST) -> set[int]:
    """The ids of the literal pieces of f-strings: ``"x"`` in ``f"{ratio}x"`` ends a text, it
    does not name X (a whole string does: ``network == "x"``)."""
    return {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
        if isinstance(part, ast.Constant)
    }


# Names of other libraries that contain a network's name with another meaning (Python's
# socketserver starts "threads" of execution, not Meta's network).
OTHER_MEANINGS = frozenset({"daemon_threads"})


def _tokens(identifier: str) -> set[str]:
    """``BlueskySettings`` / ``bluesky_settings`` -> {"bluesky", "settings"}."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", identifier)
    return {part.lower() for part in re.split(r"[_.]+", spaced) if part}


def _naming(path: Path, network: Network) -> Iterator[str]:
    """Every place in ``path``'s code (not its docstrings or comments) naming ``network``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstring_nodes(tree)
    fragments = _fragment_nodes(tree)
    prefix = f"AGORA_{network.name.upper()}_"
    label_word = re.compile(rf"\b{re.escape(network.label)}\b")
    own_module = f"syndication.networks.{network.name}"
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            text = node.value
            if (
                (text == network.name and id(node) not in fragments)
                or prefix in text
                or (len(network.label) > 2 and label_word.search(text))
            ):
                yield f"{where} the string {text!r}"
        elif isinstance(node, ast.Name | ast.Attribute | ast.alias):
            name = (
                node.id
                if isinstance(node, ast.Name)
                else node.attr
                if isinstance(node, ast.Attribute)
                else node.asname or node.name
            )
            if name in OTHER_MEANINGS:
                continue
            if len(network.name) > 2 and network.name in _tokens(name):
                yield f"{where} the name {name}"
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            if any(m == own_module or m.startswith(f"{own_module}.") for m in modules):
                yield f"{where} an import of {own_module}"


@pytest.mark.parametrize("network", registry.NETWORKS, ids=lambda n: n.name)
def test_no_product_code_outside_the_networks_folder_names_a_network(network: Network) -> None:
    found = [place for path in OUTSIDE_NETWORKS for place in _naming(path, network)]
    assert found == [], "ask syndication.networks.registry instead:\n" + "\n".join(found)


def test_the_seam_test_sees_a_network_named_where_it_should_not_be(tmp_path: Path) -> None:
    """The check above can fail: a file comparing with a name and importing a client is caught."""
    sample = tmp_path / "probe.py"
    bluesky = registry.network(registry.names()[0])
    source = (
        f"from syndication.networks.{bluesky.name}.client import Client\n"
        f"def which(network: str) -> bool:\n"
        f'    """Docstrings may say {bluesky.label}."""\n'
        f'    return network == "{bluesky.name}"\n'
    )
    sample.write_text(source, encoding="utf-8")
    found = list(_naming(sample, bluesky))
    assert len(found) == 2, found
    assert any("an import of" in place for place in found)
    assert any(f"the string {bluesky.name!r}" in place for place in found)


def test_the_product_never_imports_the_local_peers() -> None:
    imports = []
    for path in PRODUCT:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            inside_task = path.name == "tasks.py"  # the sandbox and demo tasks start them
            imports += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                for name in names
                if (name == "sandbox" or name.startswith("sandbox.")) and not inside_task
            ]
    assert imports == []
    installed = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'packages = \[[^\]]*"sandbox', installed) is None


def test_every_network_declares_what_the_rest_of_the_code_asks() -> None:
    names = registry.names()
    assert len(set(names)) == len(names) > 0
    for network in registry.NETWORKS:
        assert network.label and network.unit and network.variables
        assert network.setup_hint()
        assert network.new_key() != network.new_key()  # a fresh key per intent
        assert all(v.name.startswith(f"AGORA_{network.name.upper()}_") for v in network.variables)
        assert network.brand({}) is None  # nothing set: not configured, not an error
    assert registry.labels() == {n.name: n.label for n in registry.NETWORKS}


def test_the_readme_lists_every_variable_of_every_network() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [v.name for v in registry.variables() if f"`{v.name}`" not in readme]
    assert missing == []


def test_the_contributor_guide_covers_every_part_of_a_declaration() -> None:
    guide = (ROOT / "docs" / "adding-a-network.md").read_text(encoding="utf-8")
    parts = [
        name
        for name, value in vars(Network).items()
        if not name.startswith("_") and (callable(value) or name in Network.__annotations__)
    ]
    missing = [part for part in parts if f"`{part}`" not in guide]
    assert missing == []


# -- docstrings point at what exists --------------------------------------------------------------

_DOTTED = re.compile(r"``(syndication(?:\.[A-Za-z_][A-Za-z0-9_]*)+)``")
_PATH = re.compile(
    r"(?<![.\w/-])((?:syndication|plugins|sandbox|theme|tests|bench|docs)/[\w./-]+\.\w+)"
)


def _resolves(dotted: str) -> bool:
    """Whether ``syndication.a.b.C`` is a module, or attributes of the longest module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            spec = importlib.util.find_spec(module_name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        target: object = importlib.import_module(module_name)
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def test_no_docstring_points_at_a_module_or_file_that_does_not_exist() -> None:
    broken = []
    for path in [*PRODUCT, *sorted((ROOT / "sandbox").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or id(node) not in docstrings:
                continue
            text = str(node.value)
            broken += [
                f"{path.relative_to(ROOT)}: {ref}"
                for ref in _DOTTED.findall(text)
                if not _resolves(ref)
            ]
            broken += [
                f"{path.relative_to(ROOT)}: {ref}"
                for ref in _PATH.findall(text)
                if not (ROOT / ref.rstrip(".")).exists()
            ]
    assert broken == []


# -- the layout keeps its promises ----------------------------------------------------------------

ENGINES = {
    "syndication/publish/syndicate.py": "syndication.publish.syndicate",
    "syndication/backfeed/engine.py": "syndication.backfeed.engine",
    "syndication/desk/reply.py": "syndication.desk.reply",
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_an_engine_imports_neither_another_engine_nor_the_command_line(engine: str) -> None:
    imported = _imports(ROOT / engine)
    others = {module for path, module in ENGINES.items() if path != engine}
    assert imported & others == set()
    assert {
        m for m in imported if m.startswith(("syndication.cli", "syndication.pipeline"))
    } == set()
    # The exactly-once machinery comes from one module, shared.
    if engine != "syndication/backfeed/engine.py":
        assert "syndication.store.once" in imported


def test_the_declarations_stay_light_for_the_build() -> None:
    """Every Pelican build imports the registry: no network's HTTP client may come with it."""
    import subprocess
    import sys

    probe = (
        "import sys, syndication.networks.registry; "
        "print(sorted({'httpx', 'authlib'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_a_network_named_by_a_whole_string_is_found_and_an_f_string_suffix_is_not(
    tmp_path: Path,
) -> None:
    x = next(network for network in registry.NETWORKS if network.name == "x")
    source = tmp_path / "product.py"
    source.write_text('density = f"{ratio:g}x"\nchosen = network == "x"\n', encoding="utf-8")
    assert list(_naming(source, x)) == ["product.py:2 the string 'x'"]
