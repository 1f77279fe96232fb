"""The forward-chaining engine: durable_rules, and all of its sharp edges.

This is the only module that imports durable_rules. Each pack version is
compiled once per process into one ruleset (rulesets can be neither
re-registered nor freed). Each county is evaluated in its own session, whose
state is deleted afterwards, so counties never see each other's facts.

What the engine decides, per rule and subject:
- `fail`: the rule applies and its requirement is known to be unmet
  (the condition `when ∧ ¬require`, in disjunctive normal form);
- `not_applicable`: its condition is known to be false (`¬when`);
- `pass`: fired only for rules whose conditions cross facts (an `any` over
  different facts), where a pass cannot be inferred exactly; for all other
  rules a pass is "every fact known and neither of the above fired";
- derived facts: a derive rule concludes its fact true (`when`) or false
  (`¬when`) and asserts it back into the engine, where other rules read it.
Everything else — deadlines, `missing`, waivers — is decided in Python.

Sharp edges handled here (see ENGINE-NOTES):
- durable's Python host is not used. Its two background dispatch threads called
  the C engine without a lock, it serialised the session state to JSON after
  every action, and it swallowed exceptions raised in actions. Rulesets are
  created, facts asserted, actions started and completed and sessions deleted
  through the engine's C module (durable_rules_engine, the calls the host
  makes), one evaluation at a time under a lock.
- An action is called with the facts it matched and its session id; it records
  any exception of its own, and the evaluation then fails loudly.
- A fact no rule accepts is refused (MessageNotHandledException in durable), so
  sink rules accept every fact type; a fact the session already holds is
  refused too (MessageObservedException), so each conclusion is asserted once.
- Numbers are sent as scaled integers, booleans, dates and enums as integers,
  because the engine's JSON parser rejects 1e-05, NaN and the like.

One more, measured here: `delete_state` on a session in which no action has
ever run crashes the process (segmentation fault, or `free(): invalid pointer`):
the engine fills in a session's action context (state.c createStateNode leaves
it unset) only when an action starts, and frees it on delete. Every session
therefore starts with a `$begin` fact whose rule fires once (one firing per
county), asserted and run on its own before the county's facts, so that a
session whose county's facts the engine then refuses (error 303, past
checker/limits.py) is still deleted cleanly and reported as an error.
"""
from __future__ import annotations

import itertools
import json
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from . import conditions as cond
from .errors import EvaluationError, problem
from .facts import FactSheet
from .limits import enforce as enforce_limits
from .rulepack import Rule, RulePack
from .vocabulary import COUNTY, FactDef, Vocabulary

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable_rules_engine as _c_engine


def _keep_the_engines_memory() -> None:
    """Let glibc reuse the memory the engine frees after each county instead of handing it back.

    The engine allocates each session's fact records and indexes in blocks of up to a few megabytes
    (about 9 KB a fact) and frees them all when the session is deleted. Past glibc's mmap threshold those
    blocks are mapped afresh for every county and every page is faulted in again; whether they are
    depends on how the process's heap was laid out before (a library unpickled from the cache, or parsed),
    and the same county's matching took 2 ms or 6 ms by that alone. Fixed thresholds keep blocks under
    16 MB on the heap, and at most 32 MB of free memory at its top. Set in a process when it first
    evaluates a county, so a batch's parent, which only gathers the rows, keeps glibc's defaults.
    Elsewhere than glibc, nothing is set."""
    _MEMORY_KEPT[0] = True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # malloc.h
    mallopt(m_mmap_threshold, 16 * 1024 * 1024)
    mallopt(m_trim_threshold, 32 * 1024 * 1024)


_MEMORY_KEPT = [False]

SCALE = 10**6  # numbers travel as integers in millionths: exact to 6 decimals
INPUT, ANCHOR, DERIVED, BEGIN = "i", "a", "d", "$begin"


_LOCK = threading.Lock()
_COMPILED: dict[tuple[str, str, str], "CompiledPack"] = {}
_SESSIONS: dict[str, "_Session"] = {}
# The C scanner behind json.loads, called directly: an action's message is one JSON object the engine
# wrote (no surrounding space to skip), and a county's few hundred of them made the two Python layers
# of json.loads a tenth of the engine's own time.
_read_message = json.JSONDecoder().scan_once
_SESSION_IDS = itertools.count(1)


@dataclass(slots=True)
class Firing:
    """One engine conclusion about one rule and subject, with the facts it matched."""

    rule: str
    subject: str
    matched: tuple[tuple[str, str], ...]  # (subject key, fact name) pairs


@dataclass
class Outcome:
    """What the engine concluded for one county and one pack."""

    fails: dict[tuple[str, str], Firing] = field(default_factory=dict)
    not_applicable: dict[tuple[str, str], Firing] = field(default_factory=dict)
    passes: dict[tuple[str, str], Firing] = field(default_factory=dict)
    derived: dict[tuple[str, str], tuple[bool, Firing]] = field(default_factory=dict)
    firings: int = 0


@dataclass
class _Session:
    outcome: Outcome = field(default_factory=Outcome)
    errors: list[tuple[str, str]] = field(default_factory=list)
    _used: set[int] = field(default_factory=set)
    _next: int = 0

    def new_id(self) -> str:
        """A fact id no other fact of this session shares, down to the engine's 32-bit hash of it.

        The engine files each fact of a session under fnv1Hash32 of its id and
        takes any second fact with the same hash for a repeat of the first
        (MessageObservedException), without comparing them. The ids it would
        generate itself collide by chance in a large session (about 0.4% of
        evaluations of a 200-consortium county); ours come from one list whose
        hashes are all different (`_IDS`), so a collision cannot happen. The
        engine stores one fact of its own in every session, the session's state
        (id `sid-<sid>`, events.c handleMessageCore); `reserve` keeps its hash
        from ours, and so does anything else put in `_used`.
        """
        while True:
            if self._next >= len(_IDS):
                _more_ids(self._next + 1)
            candidate, hashed = _IDS[self._next]
            self._next += 1
            if hashed not in self._used:
                return candidate

    def reserve(self, fact_id: str) -> None:
        """Keep an id the engine itself files in this session from being handed out by new_id."""
        self._used.add(fnv1a32(fact_id))


_IDS: list[tuple[str, int]] = []  # "0", "1", … with any id whose hash an earlier one has left out
_ID_HASHES: set[int] = set()
_ID_NEXT = [0]


def _more_ids(at_least: int) -> None:
    """Lengthen `_IDS` to at least `at_least` ids; hashed once per process, not once per fact and county."""
    grow = max(at_least, 2 * len(_IDS), 1024)
    while len(_IDS) < grow:
        candidate = str(_ID_NEXT[0])
        _ID_NEXT[0] += 1
        hashed = fnv1a32(candidate)
        if hashed not in _ID_HASHES:
            _ID_HASHES.add(hashed)
            _IDS.append((candidate, hashed))


def fnv1a32(text: str) -> int:
    """The engine's fnv1Hash32 (FNV-1a, 32 bits) of an ASCII string."""
    value = 0x811C9DC5
    for byte in text.encode("ascii"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


@dataclass
class CompiledPack:
    pack: RulePack
    ruleset: str
    reads: frozenset[str]
    collections: frozenset[str]
    pass_fired: frozenset[str]
    engine_rules: int
    actions: dict[str, Callable] = field(default_factory=dict)
    handle: int = 0


class MessageNotHandled(Exception):
    """The engine had no rule for a fact (durable's MessageNotHandledException)."""


class MessageObserved(Exception):
    """The engine took a fact for one it already holds (durable's MessageObservedException)."""


def _check(result: tuple, what: Any) -> None:
    if result[0] == 1:
        raise MessageNotHandled(what)
    if result[0] == 2:
        raise MessageObserved(what)


def compiled(pack: RulePack, vocab: Vocabulary) -> CompiledPack:
    """The pack's ruleset, compiled and registered once per process."""
    key = (pack.id, pack.version, pack.sha256)
    found = _COMPILED.get(key)
    if found is None:
        with _LOCK:
            found = _COMPILED.get(key)
            if found is None:
                found = _compile(pack, vocab)
                _COMPILED[key] = found
    return found


def _compile(pack: RulePack, vocab: Vocabulary) -> CompiledPack:
    enforce_limits(pack, vocab)  # past them the C engine aborts, hangs or refuses; see checker/limits.py
    definition: dict[str, dict] = {}
    actions: dict[str, Callable] = {}
    reads: set[str] = set()
    collections: set[str] = set()
    pass_fired: set[str] = set()
    for rule in pack.rules:
        if rule.for_each:
            collections.add(rule.for_each)
        for kind, expr in _firing_conditions(rule, pass_fired):
            for index, conjunct in enumerate(cond.dnf(expr)):
                lhs = _join(conjunct, rule, vocab)
                reads.update(t.fact.partition(".")[0] for t in conjunct)
                name = f"{rule.id}|{kind}|{index}"
                actions[name] = _action(rule, kind, conjunct)
                definition[name] = {"all": lhs}
    # Guarantees an action in every session; see the module docstring.
    definition["$begin"] = {"all": [{"b": {"t": BEGIN}}]}
    actions["$begin"] = _never
    for fact_type in (INPUT, ANCHOR, DERIVED):
        # Every asserted fact must be accepted by some rule, or the engine
        # raises MessageNotHandledException; these joins never complete.
        definition[f"$sink|{fact_type}"] = {"all": [{"x": {"t": fact_type}}, {"y": {"t": "$never"}}]}
        actions[f"$sink|{fact_type}"] = _never
    name = f"policycheck:{pack.id}@{pack.version}:{pack.sha256[:12]}"
    try:
        handle = _c_engine.create_ruleset(name, json.dumps(definition, ensure_ascii=False))
    except Exception as exc:  # the C engine reports only a code
        raise EvaluationError(problem(pack.path, None, f"the engine could not compile pack {pack.ref}: {exc}.",
                                      f"引擎无法编译规则包 {pack.ref}: {exc}。")) from None
    return CompiledPack(pack, name, frozenset(reads), frozenset(collections), frozenset(pass_fired),
                        len(definition), actions, handle)


def _firing_conditions(rule: Rule, pass_fired: set[str]) -> list[tuple[str, cond.Expr]]:
    out: list[tuple[str, cond.Expr]] = []
    if rule.kind == "derive":
        out.append(("true", rule.when))
        out.append(("false", cond.negate(rule.when)))
        return out
    out.append(("fail", cond.conjoin(rule.when, cond.negate(rule.require))))
    if rule.when is not None:
        out.append(("na", cond.negate(rule.when)))
    if cond.crosses_facts(cond.conjoin(rule.when, rule.require)):
        pass_fired.add(rule.id)
        out.append(("pass", cond.conjoin(rule.when, rule.require)))
    return out


def _join(conjunct: tuple[cond.Test, ...], rule: Rule, vocab: Vocabulary) -> list[dict]:
    """One engine fact pattern per distinct fact, joined on the subject."""
    lhs: list[dict] = []
    subject_ref: Any = COUNTY
    if rule.for_each:
        lhs.append({"a": {"$and": [{"t": ANCHOR}, {"c": rule.for_each}]}})
        subject_ref = {"a": "s"}
    by_fact: dict[str, list[cond.Test]] = {}
    for test in conjunct:
        # A set fact travels as one engine fact; its members are properties of it.
        by_fact.setdefault(test.fact.partition(".")[0], []).append(test)
    for index, (fact, tests) in enumerate(by_fact.items()):
        fdef = vocab.facts[fact]  # validated when the pack was loaded
        kind = DERIVED if fdef.derived else INPUT
        where = subject_ref if fdef.scope != COUNTY else COUNTY
        terms: list[dict] = [{"t": kind}, {"$ex": {marker(fact): 1}}]
        terms += [_term(t, vocab.fact(t.fact), _property(t.fact, fdef)) for t in tests]
        # The subject comes last. A test against another fact's property (`{"a": "s"}`) becomes
        # an alpha node of its own that the engine never shares and never filters: placed before
        # the value tests, every per-entry alternative reading this fact was pushed on the engine's
        # 64-entry matching stack (events.c, handleAlpha) by every such fact, and past 64 the
        # evaluation failed (error 303). Placed after them, only the alternatives whose value
        # tests the fact meets reach it. See limits.alpha_stack.
        terms.append({"s": where})
        lhs.append({f"f{index}": {"$and": terms}})
    return lhs


def marker(fact: str) -> str:
    """The property every engine fact of `fact` carries, named after it, that its patterns test first.

    The engine files the tests below a node by the name of the property they read, not by value: with the
    fact's name as a value (`n == "plan_year"`), every input fact was compared with the name test of every
    fact the pack reads (a fifth to a quarter of a county's engine time, measured on the examples). A
    property named after the fact, tested for being there, is found by its name's hash alone."""
    return f"{_MARKER}{fact}"


def marked_fact(prop: str) -> str:
    """The fact a marker property (`marker`) names."""
    return prop.removeprefix(_MARKER)


_MARKER = "n_"


def _property(name: str, fdef: FactDef) -> str:
    """The engine property a test reads: `v`, or `m<i>` for member i of a set fact."""
    member = name.partition(".")[2]
    return f"m{fdef.values.index(member)}" if member else "v"


_OPS = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def _term(test: cond.Test, fdef: FactDef | None, prop: str = "v") -> dict:
    assert fdef is not None
    value = encode(fdef, test.value)
    if test.op == "eq":
        return {prop: value}
    return {_OPS[test.op]: {prop: value}}


def encode(fdef: FactDef, value: Any) -> Any:
    """A Python value as the engine compares it (always an int, or text)."""
    if fdef.type == "boolean" or isinstance(value, bool):
        return 1 if value else 0
    if fdef.type in ("number", "integer", "percent"):
        return int(round(value * SCALE))
    if fdef.type == "date":
        return value.toordinal()
    if fdef.type == "enum":
        return fdef.values.index(value)
    return str(value)


def _action(rule: Rule, kind: str, conjunct: tuple[cond.Test, ...]) -> Callable:
    rule_id = rule.id
    derive_value = kind == "true"
    derived_marker = marker(rule.derive) if rule.derive else ""

    def run(matched: dict, sid: str, handle: int) -> None:
        # Called by _dispatch with the matched facts as the engine wrote them; the session is found by
        # its id, as the engine's own actions find theirs.
        session = None
        try:
            session = _SESSIONS[sid]
            subject = matched["a"]["s"] if "a" in matched else COUNTY
            facts = tuple(sorted((m["s"], m["n"]) for k, m in matched.items() if k != "a"))
            firing = Firing(rule_id, subject, facts)
            outcome = session.outcome
            outcome.firings += 1
            key = (rule_id, subject)
            if kind == "fail":
                outcome.fails.setdefault(key, firing)
            elif kind == "na":
                outcome.not_applicable.setdefault(key, firing)
            elif kind == "pass":
                outcome.passes.setdefault(key, firing)
            else:
                dkey = (subject, rule.derive)
                if dkey in outcome.derived:
                    return  # already concluded through another alternative
                outcome.derived[dkey] = (derive_value, firing)
                fact = {"sid": sid, "id": session.new_id(), "t": DERIVED, "s": subject, "n": rule.derive,
                        derived_marker: 1, "v": 1 if derive_value else 0}
                _check(_c_engine.assert_fact(handle, json.dumps(fact, ensure_ascii=False)), fact)
        except (KeyboardInterrupt, SystemExit):
            raise  # Ctrl-C or SIGTERM stops the run; it is not a rule's error
        except BaseException as exc:  # the engine would swallow it; record it instead
            if session is not None:
                session.errors.append((rule_id, f"{type(exc).__name__}: {exc}"))
            else:
                _ORPHAN_ERRORS.append((rule_id, f"{type(exc).__name__}: {exc}"))

    return run


_ORPHAN_ERRORS: list[tuple[str, str]] = []


def _never(matched: dict, sid: str, handle: int) -> None:
    """The action of the `$begin` marker and of the sink joins (which never complete)."""
    return None


def _dispatch(compiled_pack: CompiledPack, facts: list[dict], sid: str) -> None:
    """Assert a county's facts and run every action the engine schedules, to the end of the chain.

    This is what durable's Host does in assert_facts, without its per-action
    JSON round-trip of the session state (which we never use): that round-trip
    was a third of the engine's cost per county.
    """
    handle, actions = compiled_pack.handle, compiled_pack.actions
    result = _c_engine.assert_facts(handle, json.dumps(facts, ensure_ascii=False))
    _check(result, "facts")
    state_handle = result[1]
    started = _c_engine.start_action_for_state(handle, state_handle)
    message = _read_message(started[1], 0)[0] if started else None
    while message:
        name, matched = next(iter(message.items()))
        actions[name](matched, sid, handle)
        following = _c_engine.complete_and_start_action(handle, state_handle)
        message = _read_message(following, 0)[0] if following else None


def delete_state(compiled_pack: CompiledPack, sid: str) -> None:
    """Free one session's facts and state in the engine."""
    _c_engine.delete_state(compiled_pack.handle, sid)


def input_facts(compiled_pack: CompiledPack, sheet: FactSheet, vocab: Vocabulary, sid: str,
                session: _Session | None = None) -> list[dict]:
    """The county's facts as engine facts: only those some rule reads, each with an id unique in the session."""
    session = session or _Session()
    reads = compiled_pack.reads
    out: list[dict] = [{"sid": sid, "id": session.new_id(), "t": BEGIN}]
    for subject in sheet.subjects:
        if subject.collection in compiled_pack.collections:
            out.append({"sid": sid, "id": session.new_id(), "t": ANCHOR, "s": subject.key, "c": subject.collection})
        for name, value in sorted(sheet.values.get(subject.key, {}).items()):
            if name not in reads:
                continue
            fdef = vocab.facts[name]
            fact = {"sid": sid, "id": session.new_id(), "t": INPUT, "s": subject.key, "n": name, marker(name): 1}
            if fdef.type == "set":
                fact.update((f"m{i}", 1 if member in value else 0) for i, member in enumerate(fdef.values))
            else:
                fact["v"] = encode(fdef, value)
            out.append(fact)
    return out


def evaluate(compiled_pack: CompiledPack, sheet: FactSheet, vocab: Vocabulary) -> Outcome:
    """Run one county through one compiled pack; complete, or EvaluationError."""
    if not _MEMORY_KEPT[0]:
        _keep_the_engines_memory()
    with _LOCK:
        sid = f"s{next(_SESSION_IDS)}"
        session = _SESSIONS[sid] = _Session()
        # The engine's own state fact of the session (`sid-<sid>`), which one of our sequential ids
        # can share a hash with: "3497" with s33290150's, "93839" with s2337506's.
        session.reserve(f"sid-{sid}")
        _ORPHAN_ERRORS.clear()  # only an error raised while this county is evaluated can fail it
        try:
            facts = input_facts(compiled_pack, sheet, vocab, sid, session)
            _dispatch(compiled_pack, facts[:1], sid)  # `$begin` alone first; see the module docstring
            if len(facts) > 1:
                _dispatch(compiled_pack, facts[1:], sid)
            if session.errors or _ORPHAN_ERRORS:
                rule, message = (session.errors or _ORPHAN_ERRORS)[0]
                _ORPHAN_ERRORS.clear()
                raise EvaluationError(problem(
                    sheet.path, None,
                    f"internal error while evaluating rule {rule} of {compiled_pack.pack.ref}: {message}. No report was written.",
                    f"内部错误: 规则包 {compiled_pack.pack.ref} 的规则 {rule} 求值失败: {message}。未生成报告。"))
            return session.outcome
        except EvaluationError:
            raise
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the process is stopping, and deleting a
            session = None         # half-run session can abort the C engine (free(): invalid pointer)
            raise
        except Exception as exc:
            raise EvaluationError(problem(
                sheet.path, None,
                f"internal error in the rule engine for {compiled_pack.pack.ref}: {type(exc).__name__}: {exc}. No report was written.",
                f"规则引擎内部错误 ({compiled_pack.pack.ref}): {type(exc).__name__}。未生成报告。")) from None
        finally:
            _SESSIONS.pop(sid, None)
            try:
                if session is not None:
                    delete_state(compiled_pack, sid)
            except Exception:
                pass  # a session that never started has no state to delete
