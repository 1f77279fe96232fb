"""Safe YAML that remembers where every value came from.

PyYAML silently keeps the last of two duplicate keys and will happily expand
an alias bomb; neither is acceptable for fact sheets typed by hand or rule
packs written by policy staff. This loader builds only plain data (no object
construction), refuses duplicate keys naming both lines, bounds file size and
alias use, and returns mappings and lists that know the line of each item.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem, problem

MAX_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 20  # neither fact sheets nor packs need more; bounds alias bombs

try:  # libyaml's parser keeps marks and is several times faster
    _BaseLoader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class LineMap(dict):
    """A mapping that knows the line (1-based) of itself and of each key."""

    line: int = 0
    key_lines: dict
    key_columns: dict
    plain: dict  # key -> the text as written, for plain scalars YAML read as a number, boolean or date

    def written(self, key: Any) -> str | None:
        """The value of `key` exactly as typed, when YAML turned plain text into another type.

        A county named `No` or a unit code `0x10` is text; the vocabulary decides
        the type, so callers that want text take these characters.
        """
        return getattr(self, "plain", {}).get(key)

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def column_of(self, key: Any) -> int | None:
        return self.key_columns.get(key)


class LineList(list):
    """A list that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list
    plain: dict  # index -> the text as written (see LineMap.written)

    def written(self, index: int) -> str | None:
        return getattr(self, "plain", {}).get(index)

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Duplicate(Exception):
    def __init__(self, key: Any, first: int, second: int, column: int):
        self.key, self.first, self.second, self.column = key, first, second, column


class _TooManyAliases(Exception):
    def __init__(self, line: int):
        self.line = line


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_BOOL = "tag:yaml.org,2002:bool"
_BOOLEANS = {**dict.fromkeys(("true", "True", "TRUE"), True), **dict.fromkeys(("false", "False", "FALSE"), False)}
_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
# What PyYAML's constructors raise, without a line, for values such as 2025-02-30 or '!!bool 是'.
_UNREADABLE = (ValueError, KeyError, AttributeError, TypeError, OverflowError)


def _unreadable(exc: Exception, node: Any) -> yaml.constructor.ConstructorError:
    """The constructor's error, placed at the node it could not read."""
    return yaml.constructor.ConstructorError(
        None, None, f"cannot read this value ({type(exc).__name__}: {exc})", node.start_mark)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """libyaml parses and composes the node graph in C; `_Builder` turns the nodes into data.

    PyYAML's own construction (several Python calls per node) is left only for
    what a hand-typed file almost never holds: the explicit tags !!binary, !!set,
    !!omap, !!pairs and unknown ones, so that these read (or are refused) as before.
    """

    builder: "_Builder"

    # The C composer calls both for every node; path resolvers are never used here, so
    # they are C callables that do nothing, cheaper than the Python methods they replace.
    descend_resolver = {}.get  # (parent, index) -> index, ignored
    ascend_resolver = tuple    # () -> (), ignored

    def resolve(self, kind, value, implicit):  # type: ignore[override]
        """The tag of each node the C composer makes: Resolver.resolve for our table, without its generality."""
        if kind is _ScalarNode:
            if implicit[0]:
                tag = _WORDS.get(value)
                if tag is not None:
                    return tag
                for tag, regexp in _NUMBERS.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is _SequenceNode else _MAP

    def construct_object(self, node, deep=False):  # type: ignore[override]
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except _UNREADABLE as exc:
            raise _unreadable(exc, node) from None


MAX_DEPTH = 200  # levels of nesting, flow or block; libyaml overflows the C stack at some tens of
                 # thousands, and no file needs more than a few


def _check_depth(text: str, path: str) -> None:
    """Refuse deeply nested flow collections before libyaml sees them."""
    if text.count("[") + text.count("{") < MAX_DEPTH:
        return
    depth = deepest = 0
    line = 1
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    raise YamlSourceError(problem(
                        path, line, f"nested more than {MAX_DEPTH} levels deep; refusing to parse it.",
                        f"嵌套超过 {MAX_DEPTH} 层, 拒绝解析。", fix_en="A fact sheet needs a few levels at most.",
                        fix_zh="事实表最多只需几层嵌套。"))
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "\n":
            line += 1


def _count_aliases(text: str) -> None:
    """Refuse alias bombs before anything is built.

    libyaml composes nodes in C, so aliases are counted on the event stream;
    the scan only runs when the text has both an anchor and an alias.
    """
    if "&" not in text or "*" not in text:
        return
    count = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            count += 1
            if count > MAX_ALIASES:
                raise _TooManyAliases(event.start_mark.line + 1)


class _TooDeep(Exception):
    pass


class _Builder:
    """Plain data from libyaml's nodes: LineMap, LineList and scalars, in one pass.

    It reads exactly as PyYAML's constructor machinery did, one `construct_object`
    per node (same values, same errors at the same node; tests/yaml_reference.py
    keeps that reader to compare), but walks the nodes itself, with no call per
    string. Two costs are paid only when the text can need them: merging (`<<`
    keys, and explicit tags, by PyYAML's flatten_mapping) and sharing (aliases: a
    node is built once, and a node inside itself is refused).
    """

    def __init__(self, loader: _Loader, text: str):
        self.loader = loader
        self.merges = "<<" in text or "!" in text
        self.shared = "*" in text

    def build(self, node: Any, depth: int) -> Any:
        cls = node.__class__
        if cls is _ScalarNode:
            return self.scalar(node)
        if (cls is _MappingNode and node.tag == _MAP) or (cls is _SequenceNode and node.tag == _SEQ):
            if not self.shared:
                return self.mapping(node, depth + 1) if cls is _MappingNode else self.sequence(node, depth + 1)
            loader = self.loader
            if node in loader.constructed_objects:
                return loader.constructed_objects[node]
            if node in loader.recursive_objects:
                raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node",
                                                        node.start_mark)
            loader.recursive_objects[node] = None
            data = self.mapping(node, depth + 1) if cls is _MappingNode else self.sequence(node, depth + 1)
            loader.constructed_objects[node] = data
            del loader.recursive_objects[node]
            return data
        return self.loader.construct_object(node, deep=True)

    def scalar(self, node: Any) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _BOOL:  # the most common typed value: true/false as YAML 1.2 resolves them
            found = _BOOLEANS.get(node.value)
            if found is not None:
                return found
        construct = _SCALARS.get(tag)
        if construct is None:
            return self.loader.construct_object(node, deep=True)
        try:
            return construct(self.loader, node)
        except _UNREADABLE as exc:
            raise _unreadable(exc, node) from None

    def mapping(self, node: Any, depth: int) -> LineMap:
        if depth > MAX_DEPTH:
            raise _TooDeep()
        result = LineMap()
        result.line = node.start_mark.line + 1
        key_lines: dict = {}
        key_columns: dict = {}
        plain: dict = {}
        result.key_lines, result.key_columns, result.plain = key_lines, key_columns, plain
        try:
            if self.merges:
                self.loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                if key_node.__class__ is _ScalarNode and key_node.tag == _STR:
                    key = key_node.value
                else:
                    key = self.build(key_node, depth)
                    if isinstance(key, (list, dict)):
                        key = str(key)
                mark = key_node.start_mark
                line = mark.line + 1
                if key in key_lines:
                    raise _Duplicate(key, key_lines[key], line, mark.column + 1)
                key_lines[key] = line
                key_columns[key] = mark.column + 1
                if value_node.__class__ is _ScalarNode:
                    if value_node.tag == _STR:
                        result[key] = value_node.value
                        continue
                    value = self.scalar(value_node)
                    if value is not None and not value_node.style and not isinstance(value, str):
                        plain[key] = value_node.value  # the text as typed (see LineMap.written)
                else:
                    value = self.build(value_node, depth)
                result[key] = value
        except _UNREADABLE as exc:  # e.g. a !!set as a key: unhashable
            raise _unreadable(exc, node) from None
        return result

    def sequence(self, node: Any, depth: int) -> LineList:
        if depth > MAX_DEPTH:
            raise _TooDeep()
        result = LineList()
        result.line = node.start_mark.line + 1
        lines: list = []
        plain: dict = {}
        result.item_lines, result.plain = lines, plain
        try:
            for child in node.value:
                if child.__class__ is _ScalarNode:
                    if child.tag == _STR:
                        value = child.value
                    else:
                        value = self.scalar(child)
                        if value is not None and not child.style and not isinstance(value, str):
                            plain[len(result)] = child.value
                else:
                    value = self.build(child, depth)
                result.append(value)
                lines.append(child.start_mark.line + 1)
        except _UNREADABLE as exc:
            raise _unreadable(exc, node) from None
        return result


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    return loader.builder.mapping(node, 1)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    return loader.builder.sequence(node, 1)


def _resolvers_1_2() -> dict:
    """YAML 1.2 (core schema) implicit types instead of PyYAML's YAML 1.1 ones.

    YAML 1.1 reads `017` as octal 15, `1:7` as base-60 67, `1_000` as 1000 and
    `no`/`on`/`y` as booleans: a clerk's `grassroots_share: 057` became 47%. Here
    only `true`/`false` are booleans and only plain decimal digits are integers
    (`017` is 17); hexadecimal and octal forms stay text, so a number fact refuses
    them rather than guessing. Dates, nulls and merge keys are unchanged.
    """
    kept = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"}
    table: dict = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        keep = [(tag, rx) for tag, rx in entries if tag in kept]
        if keep:
            table[first] = keep
    rules = (
        ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
        ("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), "-+0123456789"),
        ("tag:yaml.org,2002:float", re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
            "-+.0123456789"),
    )
    for tag, regexp, firsts in rules:
        for first in firsts:
            table.setdefault(first, []).append((tag, regexp))
    return table


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    return int(node.value, 10)  # decimal only: never octal, never base 60


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = node.value.lower()
    if text.endswith(("inf", "nan")):
        return float(text.replace(".", ""))
    return float(text)


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    text = node.value.lower()
    if text not in ("true", "false"):  # an explicit !!bool on anything else
        raise ValueError(f"{node.value!r} is not true or false")
    return text == "true"


def _construct_timestamp(loader: Any, node: Any) -> Any:
    """A date as YAML reads it; one written like a date that no calendar has (2025-11-31, 2025-13-01)
    is kept as the text typed, so the sheet's reader refuses it as a date, saying which day does not
    exist and the forms it accepts, instead of the parser's own error."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_IMPLICIT = _resolvers_1_2()
# The table's null, boolean and merge-key patterns each match a few whole words: `resolve` looks
# these up and matches patterns only for what starts like a number or a date.
_WORDS = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), "tag:yaml.org,2002:null"),
    **dict.fromkeys(_BOOLEANS, _BOOL),
    "<<": "tag:yaml.org,2002:merge",
}
_NUMBERS = {first: kept for first, entries in _IMPLICIT.items()
            if (kept := [(tag, regexp) for tag, regexp in entries if tag not in _WORDS.values()])}
_SCALARS = {  # what `_Builder.scalar` reads itself; any other tag goes through PyYAML's constructors
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": _construct_float,
    "tag:yaml.org,2002:bool": _construct_bool,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:timestamp": _construct_timestamp,
}
_Loader.yaml_implicit_resolvers = _IMPLICIT
for _tag, _construct in _SCALARS.items():
    _Loader.add_constructor(_tag, _construct)
_Loader.add_constructor(_MAP, _construct_mapping)
_Loader.add_constructor(_SEQ, _construct_sequence)


def decode(data: bytes, path: str) -> tuple[str, str | None]:
    """Return the text and a note when the file was not plain UTF-8.

    County offices often save from Windows in GBK. A file that is valid UTF-8
    is read as UTF-8 (with or without BOM); otherwise, if it decodes as
    GB18030 (a superset of GBK), it is read and the report says so.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _encoding_error(path, "UTF-16")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise _encoding_error(path, "unknown", line) from None
    return text, "该文件为 GBK/GB18030 编码, 已按 GB18030 读取 (file was GBK/GB18030-encoded and was read as GB18030)"


def _encoding_error(path: str, found: str, line: int | None = None) -> "YamlSourceError":
    return YamlSourceError(problem(
        path, line,
        f"the file is not UTF-8 or GBK text (found: {found}).",
        f"文件不是 UTF-8 或 GBK 编码的文本 (检测到: {found})。",
        fix_en="Save it as UTF-8 (e.g. in Notepad: Save As → Encoding: UTF-8).",
        fix_zh="请另存为 UTF-8 编码 (如记事本: 另存为 → 编码选 UTF-8)。"))


class YamlSourceError(Exception):
    """Raised by this module; callers wrap it into their own error class."""

    def __init__(self, prob: Problem):
        self.problem = prob
        super().__init__(prob.render())


def load_text(text: str, path: str) -> Any:
    """Parse YAML text into LineMap/LineList/scalars, or raise YamlSourceError."""
    _check_depth(text, path)
    _check_fullwidth_colons(text, path)
    loader = _Loader(text)
    loader.builder = _Builder(loader, text)
    try:
        _count_aliases(text)
        return loader.get_single_data()
    except _Duplicate as dup:
        raise YamlSourceError(problem(
            path, dup.second,
            f"key '{dup.key}' appears twice (lines {dup.first} and {dup.second}); only one may stay.",
            f"键 '{dup.key}' 重复出现 (第 {dup.first} 行和第 {dup.second} 行), 只能保留一个。",
            column=dup.column,
            fix_en="Delete or merge one of them.", fix_zh="请删除或合并其中一个。")) from None
    except _TooManyAliases as many:
        raise YamlSourceError(problem(
            path, many.line,
            f"more than {MAX_ALIASES} YAML aliases (*name); refusing to expand them.",
            f"YAML 别名 (*name) 超过 {MAX_ALIASES} 个, 拒绝展开。",
            fix_en="Write the values out instead of using aliases.", fix_zh="请直接写出数值, 不要使用别名。")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        if what.startswith("cannot read this value"):
            raise YamlSourceError(problem(
                path, line, f"{what}.", f"无法读取该值: {what.split('(', 1)[-1].rstrip(')')}。", column=col,
                fix_en="Check the value (a real date such as 2025-02-28, or plain text in quotes).",
                fix_zh="请检查该值 (日期须真实存在, 如 2025-02-28; 文字请加引号)。")) from None
        if "constructor for the tag" in what:
            raise YamlSourceError(problem(
                path, line, f"YAML tags are not allowed here ({what.split('tag')[-1].strip()}).",
                "此处不允许使用 YAML 标签 (!!…)。", column=col,
                fix_en="Write a plain value.", fix_zh="请写普通的值。")) from None
        raise YamlSourceError(problem(
            path, line, f"YAML syntax error: {what}.", f"YAML 语法错误: {what}。", column=col,
            fix_en="Check indentation (spaces, not tabs), colons and quotes on this line.",
            fix_zh="请检查本行的缩进 (用空格, 不要用制表符)、冒号和引号。")) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(problem(path, None, f"YAML error: {exc}.", f"YAML 错误: {exc}。")) from None
    except (RecursionError, _TooDeep):
        raise YamlSourceError(problem(path, None, "the YAML is nested too deeply.", "YAML 嵌套层级过深。")) from None
    finally:
        loader.dispose()


def read_yaml(path: Path) -> tuple[Any, str | None, bytes]:
    """Read, size-check, decode and parse one YAML file.

    Returns (data, encoding note or None, the raw bytes for hashing).
    """
    spath = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlSourceError(problem(path, None, "file not found.", "找不到文件。",
                                      fix_en="Check the path.", fix_zh="请检查文件路径。")) from None
    except OSError as exc:
        raise YamlSourceError(problem(path, None, f"cannot read the file: {exc.strerror}.",
                                      f"无法读取文件: {exc.strerror}。")) from None
    if path.is_dir():
        raise YamlSourceError(problem(path, None, "this is a directory, not a YAML file.",
                                      "这是一个目录, 不是 YAML 文件。"))
    if size > MAX_BYTES:
        raise _too_large(path, f"{size:,}")
    data = read_bounded(path, MAX_BYTES)
    if data is None:
        raise YamlSourceError(problem(
            path, None, f"more than {MAX_BYTES:,} bytes could be read from it (a device or a pipe?); the limit is {MAX_BYTES:,}.",
            f"从中读到的内容超过上限 {MAX_BYTES:,} 字节 (是设备或管道吗?)。",
            fix_en="Give the fact sheet file itself.", fix_zh="请直接指定事实表文件。"))
    text, note = decode(data, spath)
    if b"\x00" in data:  # as "\x00" in text (UTF-8 and GB18030 write U+0000 as this byte, and only it), but faster
        raise YamlSourceError(problem(path, None, "the file contains NUL bytes; it is not a text file.",
                                      "文件包含 NUL 字节, 不是文本文件。"))
    return load_text(text, spath), note, data


def read_bounded(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of `path`, or None if it holds more.

    The size a pipe or a device reports is 0 (`/dev/zero`, `<(cat huge)`), so
    the limit is enforced on what is read, never on what stat says.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise YamlSourceError(problem(path, None, f"cannot read the file: {exc.strerror}.",
                                      f"无法读取文件: {exc.strerror}。")) from None
    return None if len(data) > limit else data


def _too_large(path: Path, size: str) -> YamlSourceError:
    return YamlSourceError(problem(
        path, None, f"the file is {size} bytes; the limit is {MAX_BYTES:,}.",
        f"文件大小为 {size} 字节, 超过上限 {MAX_BYTES:,} 字节。",
        fix_en="A fact sheet is a few kilobytes; check that this is the right file.",
        fix_zh="事实表一般只有几 KB, 请确认文件是否正确。"))


_FULLWIDTH_KEY = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*：")
_BLOCK_START = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


def _check_fullwidth_colons(text: str, path: str) -> None:
    """`key：value` (a full-width colon, as Chinese input methods type it) is named at its line.

    YAML reads such a line as text, and the error it then reports (if any)
    points at another line and never mentions the colon.
    """
    if "：" not in text:
        return
    block_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue  # inside a | or > block: free text
            block_indent = None
        found = _FULLWIDTH_KEY.match(line)
        if found:
            key = found.group(2)
            raise YamlSourceError(problem(
                path, number, f"full-width colon '：' after '{key}'; YAML needs an ASCII colon and a space.",
                f"'{key}' 后面用了全角冒号 '：', YAML 需要半角冒号加空格。", column=len(found.group(1)) + len(key) + 1,
                fix_en=f"Write '{key}: …'.", fix_zh=f"请改为 '{key}: …' (半角冒号, 后跟空格)。"))
        if _BLOCK_START.search(line):
            block_indent = indent


def where(path: str, container: Any, key: Any = None) -> Location:
    """The location of `key` inside a LineMap/LineList (or of the container)."""
    line = None
    column = None
    if isinstance(container, LineMap):
        line = container.line_of(key) if key is not None else container.line
        column = container.column_of(key) if key is not None else None
    elif isinstance(container, LineList):
        line = container.line_of(key) if isinstance(key, int) else container.line
    return Location(path, line, column)
