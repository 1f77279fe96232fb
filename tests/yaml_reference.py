"""The YAML reader as it was before the node walker (checker/yamlsource.py `_Builder`), kept only to compare.

It built every node through PyYAML's constructor machinery (one `construct_object`
per node, PyYAML's own resolver). `test_yaml_reader.py` swaps it in for
`yamlsource._Loader` and asks that both read every text alike: the same values
with the same lines, columns and written text, or the same error.
"""
from __future__ import annotations

from typing import Any

import yaml

from checker import yamlsource
from checker.yamlsource import LineList, LineMap


class ReferenceLoader(yamlsource._BaseLoader):  # type: ignore[misc,valid-type]
    def construct_object(self, node, deep=False):  # type: ignore[override]
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({type(exc).__name__}: {exc})", node.start_mark) from None


def _construct_mapping(loader: ReferenceLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.key_columns = {}
    result.plain = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result.key_lines:
            raise yamlsource._Duplicate(key, result.key_lines[key], line, key_node.start_mark.column + 1)
        result.key_lines[key] = line
        result.key_columns[key] = key_node.start_mark.column + 1
        result[key] = loader.construct_object(value_node, deep=True)
        text = _plain_text(value_node, result[key])
        if text is not None:
            result.plain[key] = text
    return result


def _plain_text(node: yaml.Node, value: Any) -> str | None:
    if isinstance(node, yaml.ScalarNode) and not node.style and value is not None and not isinstance(value, str):
        return node.value
    return None


def _construct_sequence(loader: ReferenceLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    result.plain = {}
    for index, child in enumerate(node.value):
        text = _plain_text(child, result[index])
        if text is not None:
            result.plain[index] = text
    return result


ReferenceLoader.yaml_implicit_resolvers = yamlsource._resolvers_1_2()
ReferenceLoader.add_constructor("tag:yaml.org,2002:int", yamlsource._construct_int)
ReferenceLoader.add_constructor("tag:yaml.org,2002:float", yamlsource._construct_float)
ReferenceLoader.add_constructor("tag:yaml.org,2002:bool", yamlsource._construct_bool)
ReferenceLoader.add_constructor("tag:yaml.org,2002:timestamp", yamlsource._construct_timestamp)
ReferenceLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
ReferenceLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
