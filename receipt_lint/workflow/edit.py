"""Targeted YAML edits that leave every other byte alone.

The value of a key is replaced in place, between the start and end marks of
its node, keeping the original quote style; a missing key is inserted as one
new line after its siblings, at their indentation.  Comments, key order,
quoting, indentation and line endings (a CRLF file stays CRLF) of every other
line stay byte-for-byte (upstream's kepctl rewrites the whole file and loses
them).  Callers read and write the files as bytes (``read_text``/``write_text``):
Python's text mode would turn CRLF into LF on the way.
"""

from __future__ import annotations

from typing import Any

from receipt_lint.model.findings import quoted
from receipt_lint.model.loader import YamlError, compose


class EditError(Exception):
    """The file cannot be edited safely by a tool: edit it by hand."""


BOM = "\ufeff"


def set_value(text: str, path: tuple[str, ...], value: str, *, quote: str = "", restyle: bool = False) -> str:
    """``text`` with ``path`` (a chain of mapping keys) set to the scalar ``value``.

    ``quote`` is the style for a new value ('"' or ''); an existing quoted value
    keeps its own style unless ``restyle`` (a text that plain style cannot hold).
    A leading byte order mark stays, and the edit lands where it belongs.
    """
    bom, body = _split_bom(text)
    try:
        root = compose(body)
    except YamlError as error:
        raise EditError(f"cannot parse: {error.message}") from None
    if root is None or root.id != "mapping":
        raise EditError("the top level is not a mapping")
    return bom + _set(body, root, path, value, quote, restyle)


def _split_bom(text: str) -> tuple[str, str]:
    """The BOM and the rest: libyaml's marks count from after the BOM, so edits must too."""
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that any YAML reader reads back as ``text``.

    Characters outside the BMP (emoji) are written as themselves: JSON's
    ``\\ud83d\\ude80`` surrogate pairs are not YAML.  What YAML does not allow in a
    file (controls, U+FFFE, U+FFFF) is escaped; a lone surrogate is no text at all.
    """
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xD800 <= code <= 0xDFFF:
            raise EditError("the text holds a lone surrogate (bytes that are not UTF-8): retype it")
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0xFFFE, 0xFFFF, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def newline_of(text: str) -> str:
    """The file's line ending: CRLF when its first line ends so, else LF."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def append_block(text: str, block: str) -> str:
    """``text`` with ``block`` (lines ending in LF) appended in the file's own line endings.

    A file without a final newline gets one first, or the block would join its
    last line (``stage: alphaexception:``).
    """
    newline = newline_of(text)
    if text and not text.endswith("\n"):
        text += newline
    return text + block.replace("\n", newline)


def remove_key(text: str, key: str) -> str:
    """``text`` without the top-level ``key`` and its whole value (the lines they span)."""
    bom, text = _split_bom(text)
    return bom + _remove_key(text, key)


def _remove_key(text: str, key: str) -> str:
    try:
        root = compose(text)
    except YamlError as error:
        raise EditError(f"cannot parse: {error.message}") from None
    if root is None or root.id != "mapping" or root.flow_style:
        raise EditError("the top level is not a block mapping: edit it by hand")
    pairs = root.value
    for index, (key_node, value_node) in enumerate(pairs):
        if key_node.id == "scalar" and key_node.value == key:
            start = text.rfind("\n", 0, key_node.start_mark.index) + 1
            if index + 1 < len(pairs):  # up to the next key's line
                end = text.rfind("\n", 0, pairs[index + 1][0].start_mark.index) + 1
            else:
                line_end = text.find("\n", value_node.end_mark.index - 1)
                end = len(text) if line_end == -1 else line_end + 1
            return text[:start] + text[end:]
    return text


def _set(
    text: str, mapping: Any, path: tuple[str, ...], value: str, quote: str, restyle: bool = False
) -> str:
    key, rest = path[0], path[1:]
    if mapping.flow_style:
        raise EditError(f"{quoted(key)} sits in a flow mapping ({{...}}): edit it by hand")
    node = _child(mapping, key)
    if node is None:
        return _insert(text, mapping, path, value, quote)
    if rest:
        if node.id == "scalar" and node.value in ("", "~", "null") and not node.style:
            return _replace_span(text, node, _block(rest, value, quote, _indent_of(mapping) + 2))
        if node.id != "mapping":
            raise EditError(f"{quoted(key)} is not a mapping: edit it by hand")
        return _set(text, node, rest, value, quote, restyle)
    if node.id != "scalar" or node.style in ("|", ">") or node.start_mark.line != node.end_mark.line:
        raise EditError(f"{quoted(key)} is not a one-line value: edit it by hand")
    if not node.style and node.value in ("", "~", "null") and node.start_mark.index == node.end_mark.index:
        return text[: node.start_mark.index] + " " + _scalar(value, quote) + text[node.end_mark.index :]
    style = quote if restyle else node.style or ""
    return text[: node.start_mark.index] + _scalar(value, style) + text[node.end_mark.index :]


def _child(mapping: Any, key: str) -> Any:
    return next((v for k, v in mapping.value if k.id == "scalar" and k.value == key), None)


def _insert(text: str, mapping: Any, path: tuple[str, ...], value: str, quote: str) -> str:
    indent, newline = _indent_of(mapping), newline_of(text)
    addition = " " * indent + path[0] + ":" + _block(path[1:], value, quote, indent + 2, leading=" ")
    addition = addition.replace("\n", newline) + newline
    if not mapping.value:
        raise EditError(f"cannot add {quoted(str(path[0]))} to an empty mapping: edit it by hand")
    end = mapping.value[-1][1].end_mark.index
    line_end = text.find("\n", max(end - 1, 0))
    if line_end == -1:
        return text + newline + addition
    return text[: line_end + 1] + addition + text[line_end + 1 :]


def _block(rest: tuple[str, ...], value: str, quote: str, indent: int, leading: str = "") -> str:
    """The text of ``rest: value`` under a key: ' value' or nested lines."""
    if not rest:
        return leading + _scalar(value, quote)
    return "\n" + " " * indent + rest[0] + ":" + _block(rest[1:], value, quote, indent + 2, " ")


def _replace_span(text: str, node: Any, replacement: str) -> str:
    # An empty value: "milestone:" followed by nothing; put the block after the colon.
    replacement = replacement.replace("\n", newline_of(text))
    return text[: node.start_mark.index].rstrip(" ") + replacement + text[node.end_mark.index :]


def _indent_of(mapping: Any) -> int:
    return int(mapping.value[0][0].start_mark.column) if mapping.value else 0


def _scalar(value: str, style: str) -> str:
    if style == '"':
        return yaml_quoted(value)
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return value
