"""The parsed library kept on disk: the same library back, and never a stale one after an edit."""
from __future__ import annotations

import shutil

import pytest

from checker.errors import RulePackError
from checker.library import load_library
from conftest import DEMO_RULES


@pytest.fixture
def cached(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYCHECK_CACHE", "on")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, root)
    return root


def test_a_second_load_comes_from_the_cache_and_is_the_same(cached, tmp_path):
    first = load_library(cached / "rules")
    files = list((tmp_path / "cache" / "policycheck").glob("library-*.pickle"))
    assert len(files) == 1
    second = load_library(cached / "rules")
    pack_a, pack_b = first.resolve("demo", None), second.resolve("demo", None)
    assert second is not first and pack_b.sha256 == pack_a.sha256
    assert [r.id for r in pack_b.rules] == [r.id for r in pack_a.rules]


def test_an_edited_pack_is_parsed_again_and_its_errors_reported(cached):
    load_library(cached / "rules")
    pack = cached / "rules" / "demo" / "1.0.0.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("lead: 市医保局", "lead: ''", 1), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_library(cached / "rules")
    assert "'lead' (牵头单位) is required" in caught.value.render()


def test_an_edited_policy_text_is_not_served_from_the_cache(cached):
    load_library(cached / "rules")
    text = cached / "policies" / "demo" / "text.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("65%以上", "60%以上"), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_library(cached / "rules")
    assert "not verbatim" in caught.value.render()


def test_the_cache_can_be_turned_off(cached, tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYCHECK_CACHE", "off")
    load_library(cached / "rules")
    assert not (tmp_path / "cache" / "policycheck").exists()
