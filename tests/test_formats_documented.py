"""Every field of the bank and profile formats is described, in the JSON Schema (what an
editor shows while typing) and in docs/authoring.md (with a worked example)."""

from __future__ import annotations

import re

from conftest import ROOT
from instrument.loader import schema

AUTHORING = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")

# the fields model 2.0 added, where they sit in each schema
BANK_FIELDS = {
    ("stages", "clause"), ("scales", "codes", "missing"), ("rules", "min_answered"),
    ("defaults", "seconds_per_stem"), ("defaults", "complete_practices"),
    ("example_format",), ("background",), ("practices", "examples"), ("practices", "group"),
}
PROFILE_FIELDS = {("practices",), ("practices", "examples"), ("practices", "note"),
                  ("practices", "stems"), ("practices", "not_applicable"), ("areas",),
                  ("background",)}


def _node(tree: dict, path: tuple[str, ...]) -> dict:
    """The schema of a field by its path of property names (lists and maps stepped into)."""
    node = tree
    for name in path:
        while "properties" not in node or name not in node["properties"]:
            node = node.get("items") or node.get("additionalProperties") or {}
            assert node, f"no field {'/'.join(path)}"
        node = node["properties"][name]
    return node


def _described(tree: dict, node: dict) -> bool:
    if "$ref" in node and "description" not in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return "description" in tree["$defs"][name]
    return bool(node.get("description"))


def test_every_new_field_has_a_description_in_the_schema():
    for kind, fields in (("bank", BANK_FIELDS), ("profile", PROFILE_FIELDS)):
        tree = schema(kind)
        for path in fields:
            assert _described(tree, _node(tree, path)), f"{kind} schema: {'/'.join(path)}"


def test_authoring_guide_shows_every_new_field_in_yaml():
    blocks = "\n".join(re.findall(r"```yaml\n(.*?)```", AUTHORING, flags=re.S))
    for path in BANK_FIELDS | PROFILE_FIELDS:
        assert re.search(rf"(^|[\s{{,])(- )?{path[-1]}:", blocks, flags=re.M), path[-1]
    for word in ("not_applicable", "dont_know", "min_answered", "{eg}", "not rated"):
        assert word in AUTHORING, word
