"""Soundness under a long run: thousands of counties through the engine in one process.

A batch worker evaluates county after county in one process, each in its own
engine session that is deleted afterwards. Here 5,000 generated counties
(tests/test_differential.py's generator; each shipped pack's latest version in
turn, with counties of the demo and synthetic packs between them, so that
rulesets and sessions interleave) go through the engine one after another,
with sheets of
very different shapes: most with 0-8 entries per collection, facts absent or
around the thresholds, and some with 9-200 entries (several generated entry
lists joined, so the engine holds thousands of facts in one session). Every
county's statuses and derived facts must equal the plain-Python oracle's: a
fact, conclusion or session id left over from an earlier county would change
them, or raise MessageObservedException. Afterwards no session may be left,
neither in checker.engine nor in the C engine (get_state on every session id
used must find none).

To stay within ~30 s, what is compared for every county is what the engine
itself decides (checker/engine.py): which (rule, subject) fired `fail`
(condition and requirement known, requirement unmet), `not_applicable`
(condition known false) and, for rules whose conditions cross facts, `pass`,
and every derived fact, each against the oracle's three-valued truth of the
same condition; every twentieth county also goes through classification and is
compared status by status as tests/test_differential.py does.
"""
from __future__ import annotations

import json
import random

import oracle
from checker import engine
from checker.facts import parse_fact_sheet
from test_differential import PROFILES, Profile, build_case, differences, engine_result, located

COUNTIES = 5_000
SEED = 20261204


def _large(profile: Profile, pick, size: int) -> tuple[dict, object]:
    """A sheet whose collections hold about `size` entries: generated entry lists joined under new names."""
    data, as_of = build_case(profile, pick)
    facts = data["facts"]
    for collection in profile.collections:
        entries: list[dict] = []
        while len(entries) < size:
            more, _ = build_case(profile, pick)
            for entry in more["facts"].get(collection) or []:
                entries.append({**entry, "name": f"{len(entries) + 1}号{entry['name']}"})
        facts[collection] = entries[:size]
    return data, as_of


def _shape(index: int, rng: random.Random) -> int | None:
    """Entries per collection for county `index`: None for the generator's own 0-8 (absent or empty too)."""
    if index % 500 == 250:
        return rng.choice([100, 150, 200])
    if index % 50 == 25:
        return rng.randint(9, 60)
    return None


def _engine_differences(profile: Profile, sheet, as_of) -> list[str]:
    """The engine's own conclusions for one county against the oracle's truth of each condition."""
    vocab, pack = profile.vocab, profile.pack
    compiled = engine.compiled(pack, vocab)
    outcome = engine.evaluate(compiled, sheet, vocab)
    derived = oracle.derive(pack, sheet, vocab)
    want: dict[str, set] = {"fail": set(), "na": set(), "pass": set()}
    for rule in pack.rules:
        if rule.kind != "check":
            continue
        for subject in sheet.subjects_of(rule.for_each):
            scope = oracle._Scope(vocab, sheet, subject, derived)
            applies = True if rule.when is None else oracle.truth(rule.when, scope)
            met = oracle.truth(rule.require, scope) if applies is not False else None
            key = (rule.id, subject.key)
            if applies is False:
                want["na"].add(key)
            elif applies is True and met is False:
                want["fail"].add(key)
            elif applies is True and met is True and rule.id in compiled.pass_fired:
                want["pass"].add(key)
    got = {"fail": set(outcome.fails), "na": set(outcome.not_applicable), "pass": set(outcome.passes)}
    out = [f"{kind} {sorted(got[kind] ^ want[kind])[:3]}" for kind in got if got[kind] != want[kind]]
    got_derived = {key: value for key, (value, _) in outcome.derived.items()}
    if got_derived != derived:
        out.append(f"derived {sorted(set(got_derived.items()) ^ set(derived.items()))[:3]}")
    return out


def _live_sessions(sids: range) -> list[tuple[str, str]]:
    """(ruleset, sid) pairs for which the C engine still holds a session's state."""
    left = []
    for compiled in list(engine._COMPILED.values()):
        for number in sids:
            try:
                engine._c_engine.get_state(compiled.handle, f"s{number}")
            except Exception:  # error 302: no such session
                continue
            left.append((compiled.ruleset, f"s{number}"))
    return left


def test_thousands_of_counties_in_one_process_match_the_oracle_and_leave_no_session() -> None:
    latest = [p for p in PROFILES if p.latest]
    shipped = [p for p in latest if p.label.startswith("shipped:")]
    small = [p for p in latest if not p.label.startswith("shipped:")]  # the demo and synthetic packs: cheap
    assert len(shipped) >= 5 and small
    # each shipped pack in turn, with three cheap packs' counties after each: a quarter of the counties
    # (1,250) are the shipped packs', and the run stays within its time
    cycle = [q for p in shipped for q in [p] + (small * 3)[:3]]
    grown = [p for p in shipped if p.collections]
    rng = random.Random(SEED)
    first_sid = next(engine._SESSION_IDS)  # the session ids this test's evaluations take, from here on
    failures: list[str] = []
    largest = 0
    for index in range(COUNTIES):
        size = _shape(index, rng)
        profile = grown[index // 500 % len(grown)] if size and size > 60 else cycle[index % len(cycle)]
        data, as_of = build_case(profile, rng.choice) if size is None else _large(profile, rng.choice, size)
        data["county"]["name"] = data["county"]["name"] if "name" in profile.county_fields else f"县{index:04d}"
        sheet = parse_fact_sheet(located(data), f"<county {index}>", profile.vocab)
        largest = max(largest, len(sheet.subjects))
        if index % 20 == 0:
            diff = differences(engine_result(profile.pack, sheet, profile.vocab, as_of),
                               oracle.evaluate(profile.pack, sheet, profile.vocab, as_of))
        else:
            diff = _engine_differences(profile, sheet, as_of)
        if diff:
            failures.append(f"county {index} ({profile.label}, {len(sheet.subjects)} subjects): " + "; ".join(diff[:5]))
            if len(failures) >= 5:
                break
    last_sid = next(engine._SESSION_IDS)
    assert not failures, "\n".join(failures)
    assert largest > 150, "no large county was generated"
    assert not engine._SESSIONS, f"sessions left in checker.engine: {sorted(engine._SESSIONS)[:5]}"
    left = _live_sessions(range(first_sid, last_sid))
    assert not left, f"{len(left)} sessions' state left in the C engine, e.g. {left[:3]}"


def test_a_session_left_behind_is_seen() -> None:
    """The check above can see a session whose state was not deleted."""
    profile = next(p for p in PROFILES if p.latest and p.label.startswith("demo:"))
    data, as_of = build_case(profile, random.Random(1).choice)
    sheet = parse_fact_sheet(located(data), "<kept>", profile.vocab)
    compiled = engine.compiled(profile.pack, profile.vocab)
    sid = next(engine._SESSION_IDS)
    engine._dispatch(compiled, engine.input_facts(compiled, sheet, profile.vocab, f"s{sid}")[:1], f"s{sid}")
    try:
        assert _live_sessions(range(sid, sid + 1)) == [(compiled.ruleset, f"s{sid}")]
    finally:
        engine.delete_state(compiled, f"s{sid}")
    assert _live_sessions(range(sid, sid + 1)) == []


def test_no_fact_id_of_a_session_is_taken_for_the_engines_own_state_fact() -> None:
    """The C engine files one fact of its own in every session, the session's state (id `sid-<sid>`),
    in the same index as ours, keyed by the same 32-bit hash: a fact of ours with that hash is refused
    as a repeat (MessageObservedException). With sequential ids, "93839" has the hash of session
    s2337506's state fact; new_id must pass it by."""
    profile = next(p for p in PROFILES if p.latest and p.label.startswith("demo:"))
    compiled = engine.compiled(profile.pack, profile.vocab)
    sid = f"s{next(engine._SESSION_IDS)}"
    engine._dispatch(compiled, [{"sid": sid, "id": "0", "t": engine.BEGIN}], sid)  # an action runs: safe to delete
    try:
        clash = {"sid": sid, "id": f"sid-{sid}", "t": engine.INPUT, "s": "county", "n": "x", "v": 1}
        assert engine._c_engine.assert_facts(compiled.handle, json.dumps([clash]))[0] == 2  # observed
    finally:
        engine.delete_state(compiled, sid)
    assert engine.fnv1a32("93839") == engine.fnv1a32("sid-s2337506")
    session = engine._Session()
    session.reserve("sid-s2337506")
    assert "93839" not in {session.new_id() for _ in range(93_841)}
