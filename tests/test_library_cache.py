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


def test_a_pack_within_the_engine_limits_is_measured_once_and_a_pack_past_them_every_time(cached, tmp_path, monkeypatch):
    from checker import limits
    from checker.rulepack import RulePack

    library = load_library(cached / "rules")
    pack = library.resolve("demo", None)
    measured: list[str] = []
    real = limits.limit_problems
    monkeypatch.setattr(limits, "limit_problems", lambda p, v: measured.append(p.ref) or real(p, v))
    limits.enforce(pack, library.vocabulary)
    limits.enforce(pack, library.vocabulary)
    assert measured == [pack.ref]  # the second verdict came from the cache folder
    assert len(list((tmp_path / "cache" / "policycheck").glob("limits-*.ok"))) == 1
    edited = RulePack(**{**pack.__dict__, "sha256": "0" * 64})  # other bytes: measured again
    limits.enforce(edited, library.vocabulary)
    assert measured == [pack.ref, pack.ref]
    from checker.errors import problem

    past = [problem(pack.path, None, "past a limit", "超出引擎上限")]
    monkeypatch.setattr(limits, "limit_problems", lambda p, v: measured.append(p.ref) or past)
    other = RulePack(**{**pack.__dict__, "sha256": "1" * 64})
    for _ in range(2):
        with pytest.raises(RulePackError):
            limits.enforce(other, library.vocabulary)
    assert len(measured) == 4  # a pack past the limits is never remembered: measured, and refused, each time


def test_a_library_of_some_packs_is_keyed_by_their_files_and_the_shared_ones_only(cached):
    """A run for one county hashes its own packs, the vocabulary and the texts; another pack's files may
    change without a new parse, but adding or removing a pack folder, editing one of its own packs or the
    vocabulary each gives a new key."""
    from checker.libcache import key_of

    rules, policies = cached / "rules", cached / "policies"
    key = key_of(rules, policies, {"demo"})
    other = rules / "other-pack"
    other.mkdir()
    added = key_of(rules, policies, {"demo"})
    assert added != key  # the library lists the folders it could load
    (other / "1.0.0.yaml").write_text("id: other-pack\n", encoding="utf-8")
    assert key_of(rules, policies, {"demo"}) == added
    assert key_of(rules, policies, None) != key_of(rules, policies, {"demo"})
    pack = rules / "demo" / "1.0.0.yaml"
    pack.write_text(pack.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = key_of(rules, policies, {"demo"})
    assert edited != added
    vocabulary = sorted((rules / "vocabulary").glob("*.yaml"))[0]
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert key_of(rules, policies, {"demo"}) != edited
