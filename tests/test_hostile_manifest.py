"""manifest.json is input too: the scorer and follow-ups trust nothing in it.

Whatever the file holds (random bytes, deep nesting, any field deleted or replaced by
any JSON value), ``load_manifest`` ends in an ``InstrumentError`` naming the file, or,
for an untouched file, the instrument; never another exception.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instrument.errors import InstrumentError
from instrument.manifest import load_manifest
from instrument.tables import manifest_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


@pytest.fixture(scope="module")
def manifest_data(instruments):
    return json.loads(manifest_json(instruments[("pb", "zh-TW")]))


def _paths(node, prefix=()):
    """Every (path) to a value inside a JSON document."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for k, value in enumerate(node[:3]):  # the first few items of long lists
            yield from _paths(value, prefix + (k,))


def _expect_located_error(path) -> None:
    try:
        load_manifest(path)
    except InstrumentError as exc:
        assert exc.problems and all(str(path) in str(p) for p in exc.problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_field_deleted_or_replaced_gives_a_located_error(manifest_data, tmp_path, data):
    paths = [p for p in _paths(manifest_data) if p]
    where = data.draw(st.sampled_from(paths))
    doc = copy.deepcopy(manifest_data)
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = data.draw(JSON_VALUES)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _expect_located_error(path)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_and_other_json_give_a_located_error(tmp_path, raw):
    path = tmp_path / "manifest.json"
    path.write_bytes(raw)
    with pytest.raises(InstrumentError):
        load_manifest(path)


def test_deep_nesting_and_a_huge_file_are_refused(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_manifest(path)
    assert str(path) in str(caught.value.problems[0])
    path.write_bytes(b" " * 20_000_001)
    with pytest.raises(InstrumentError) as caught:
        load_manifest(path)
    assert "too large" in str(caught.value.problems[0])


def test_finding_manifests_passes_over_what_is_not_one(tmp_path, instruments):
    from instrument.manifest import find_manifests

    good = tmp_path / "pmbok6" / "pb-zh-TW" / "manifest.json"
    good.parent.mkdir(parents=True)
    good.write_bytes(manifest_json(instruments[("pb", "zh-TW")]))
    for name, content in {"list": "[1, 2]", "deep": "[" * 100_000, "id-number": '{"id": 4}',
                          "binary": "\udcff"}.items():
        bad = tmp_path / name / "manifest.json"
        bad.parent.mkdir()
        bad.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert find_manifests(tmp_path) == {instruments[("pb", "zh-TW")].id: [good]}
