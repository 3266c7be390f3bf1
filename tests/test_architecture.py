"""The code's shape, read with ``ast``: which module may import which, and how long a unit runs.

- No module of ``scoring/`` imports a renderer of ``instrument/`` (``html``, ``pdf``,
  ``tables``, ``xlsform``): what both halves share lives in ``instrument.contract`` and
  the model (docs/design.md, "The contract").
- No module imports another module's ``_private`` name, nor reaches one through an
  imported module (``xlsform._respondent_label``).
- No function or class runs past 250 lines (the house rules).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGES = ("instrument", "scoring")
RENDERERS = ("instrument.html", "instrument.pdf", "instrument.tables", "instrument.xlsform")
MAX_LINES = 250


def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the two packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path))
         for name, path in MODULES.items()}


def absolute(module: str, node: ast.ImportFrom) -> str:
    """The dotted module an ``ImportFrom`` names, relative levels resolved."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")[: len(module.split(".")) - node.level + is_package]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for each import in ``module``;
    ``from pkg import sub`` is also reported as importing ``pkg.sub``."""
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            for a in node.names:
                out.append((source, a.name, node.lineno))
                if f"{source}.{a.name}" in MODULES:
                    out.append((f"{source}.{a.name}", None, node.lineno))
    return out


def module_aliases(module: str) -> dict[str, str]:
    """Local names bound to a module of ours (``import instrument.fonts as f``,
    ``from . import gating``) -> that module."""
    aliases = {}
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in MODULES:
                    aliases[a.asname or a.name.split(".")[0]] = (
                        a.name if a.asname else a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            for a in node.names:
                if f"{source}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{source}.{a.name}"
    return aliases


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_the_scorer_imports_no_renderer():
    found = list(dict.fromkeys(
        f"{MODULES[m].relative_to(ROOT)}:{line}: imports {source}"
        for m in MODULES if m.startswith("scoring")
        for source, _, line in imports(m)
        if any(source == r or source.startswith(r + ".") for r in RENDERERS)))
    assert not found, "\n".join(found)


def private_imports(module: str) -> list[str]:
    where = MODULES[module].relative_to(ROOT)
    found = [f"{where}:{line}: imports {name} from {source}"
             for source, name, line in imports(module)
             if name and private(name) and source != module and source in MODULES]
    aliases = module_aliases(module)
    found += [f"{where}:{node.lineno}: uses {aliases[node.value.id]}.{node.attr}"
              for node in ast.walk(TREES[module])
              if isinstance(node, ast.Attribute) and private(node.attr)
              and isinstance(node.value, ast.Name) and node.value.id in aliases
              and aliases[node.value.id] != module]
    return found


def test_no_module_takes_another_module_s_private_names():
    found = [line for m in MODULES for line in private_imports(m)]
    assert not found, "\n".join(found)


def long_units(tree: ast.AST) -> list[tuple[str, int, int]]:
    return [(node.name, node.lineno, node.end_lineno - node.lineno + 1)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.end_lineno - node.lineno + 1 > MAX_LINES]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_function_or_class_runs_past_250_lines(module):
    found = [f"{MODULES[module].relative_to(ROOT)}:{line}: {name} is {n} lines"
             for name, line, n in long_units(TREES[module])]
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------- the checks bite
def test_the_checks_find_what_they_look_for(monkeypatch):
    """The walks above find a renderer import, a private import, a private attribute and a
    long function when a module has them (so their passing means something)."""
    source = ("from instrument.xlsform import _respondent_label\n"
              "from instrument import tables\n"
              "from . import fonts\n"
              "x = fonts._cache\n"
              "def long():\n" + "    pass\n" * MAX_LINES)
    monkeypatch.setitem(MODULES, "scoring.fake", ROOT / "scoring" / "fake.py")
    monkeypatch.setitem(MODULES, "scoring.fonts", ROOT / "scoring" / "fonts.py")
    monkeypatch.setitem(TREES, "scoring.fake", ast.parse(source))
    found = [s for s, _, _ in imports("scoring.fake")]
    assert "instrument.xlsform" in found and "instrument.tables" in found
    assert private_imports("scoring.fake") == [
        "scoring/fake.py:1: imports _respondent_label from instrument.xlsform",
        "scoring/fake.py:4: uses scoring.fonts._cache"]
    assert long_units(TREES["scoring.fake"]) == [("long", 5, MAX_LINES + 1)]
