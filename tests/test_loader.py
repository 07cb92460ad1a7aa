"""The loader: source-text scalars, positions, and hostile input."""

from __future__ import annotations

import time

import pytest

from receipt_lint.model.findings import Position
from receipt_lint.model.loader import MAX_BYTES, YamlError, load


def test_scalars_keep_their_source_text() -> None:
    document = load(b"a: 1.20\nb: 0000\nc: 2023-09-18\nd: ~\ne:\nf: '~'\ng: yes\n")
    assert document.data == {
        "a": "1.20",
        "b": "0000",
        "c": "2023-09-18",
        "d": None,
        "e": None,
        "f": "~",
        "g": "yes",
    }


def test_positions_are_one_based_for_keys_and_values() -> None:
    document = load(b"title: x\nlist:\n  - one\n  - two\n")
    assert document.key_position(("list",)) == Position(2, 1)
    assert document.position(("list", 1)) == Position(4, 5)
    assert document.position(("title",)) == Position(1, 8)
    assert document.position(("missing", "deeper")) == Position(1, 1)


ALIAS_BOMB = b"".join(
    [b'a0: &a0 ["x","x","x","x","x","x","x","x","x"]\n']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 9)]
)


@pytest.mark.parametrize(
    ("raw", "message", "position"),
    [
        (b"a: 1\na: 2\n", 'duplicate key "a" (first defined on line 1)', Position(2, 1)),
        (b"a: 1\n---\nb: 2\n", "expected a single document", Position(2, 1)),
        (b"- a\n- b\n", "top level must be a mapping", Position(1, 1)),
        (b"", "file is empty", None),
        (b"a: [\n", "YAML syntax", Position(2, 1)),
        (b"a: \xff\xfe\n", "not valid UTF-8", Position(1, 4)),
        (b"\x00\x01\x02binary", "binary", None),
        (b"a: !!python/object/apply:os.system ['echo hi']\n", "is not allowed", Position(1, 4)),
        (b"a: !!binary aGk=\n", "is not allowed", Position(1, 4)),
        (b"a: !custom x\n", "is not allowed", Position(1, 4)),
        (ALIAS_BOMB, "alias bomb", None),
        (b"a: &a [*a]\n", "nesting is deeper", None),
        (b"[" * 200_000 + b"]" * 200_000, "nesting is deeper than 64", Position(1, 65)),
        (b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 80)), "nesting is deeper", None),
        # Past libyaml's own limit (1,000 levels from 0.2.6 on): still our words.
        (b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 1200)), "nesting is deeper than 64", None),
        (b"a: " + b"{a: " * 1500 + b"}" * 1500, "nesting is deeper than 64", Position(1, 4 + 4 * 63)),
        (b"{? [a]: 1}\n", "keys must be plain strings", None),
        (b"a: 1\n" + b"#" * (MAX_BYTES + 10), "limit is", None),
    ],
)
def test_hostile_input_is_a_clear_error_in_little_time(
    raw: bytes, message: str, position: Position | None
) -> None:
    started = time.perf_counter()
    with pytest.raises(YamlError) as caught:
        load(raw)
    assert message in caught.value.message
    if position is not None:
        assert caught.value.position == position
    assert time.perf_counter() - started < 5


def test_many_flat_brackets_are_fine() -> None:
    text = "prs:\n" + "".join(f"  - [x{i}]\n" for i in range(200))
    assert len(load(text.encode()).data["prs"]) == 200
