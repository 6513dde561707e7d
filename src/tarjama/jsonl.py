"""JSON Lines, read and written so that nothing in a record is lost or changed.

* Lines end at ``\n`` only: U+2028, U+2029 and U+0085 are ordinary characters inside
  JSON strings, where ``str.splitlines`` would break a record in two.
* A record written back with a new text keeps every other field as the file had it,
  byte for byte: number forms (``1.0``, ``1e400``), escapes, duplicate keys, key order.
* Lone surrogates (``"\\ud800"``), which JSON strings may hold and UTF-8 cannot encode,
  are written as escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import InputError


def json_lines(text: str) -> Iterator[tuple[int, str]]:
    """The numbered lines of a JSON Lines text, blank ones left out.

    Lines end at ``\n`` only (a ``\r`` before it is dropped): U+2028, U+2029 and U+0085
    are ordinary characters inside JSON strings, where ``str.splitlines`` would break.
    """
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if line.strip():
            yield number, line


@dataclass(frozen=True)
class JsonRecord:
    """One JSON Lines record as the file has it: ``raw``, its line without the line
    ending, and ``span``, where the value of the text field lies in it. Writing the
    record back with another text replaces that span only, so every other field stays
    as it was, byte for byte (number forms, escapes, duplicate keys, key order)."""

    raw: str
    text: str
    span: tuple[int, int]

    def with_text(self, encoded: str) -> str:
        """The record's line with ``encoded`` (a JSON string) as the text field's value."""
        start, end = self.span
        return self.raw[:start] + encoded + self.raw[end:]


def jsonl_records(text: str, field_name: str, source: str) -> list[JsonRecord]:
    """The records of a JSON Lines file with their text in ``field_name``.

    Raises:
        InputError: a line is not a JSON object, lacks the field (or has it twice, or
            not as a string), or there is no record at all.
    """
    records = []
    for number, line in json_lines(text):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(source, f"line {number} is not JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get(field_name), str):
            raise InputError(source, f"line {number} has no text field {field_name!r} (choose one with --jsonl-field)")
        spans = [(start, end) for key, start, end in _value_spans(line) if key == field_name]
        if len(spans) > 1:
            raise InputError(source, f"line {number} has the field {field_name!r} twice; keep one")
        records.append(JsonRecord(line, record[field_name], spans[0]))
    if not records:
        raise InputError(source, "holds no JSON records")
    return records


_SPACE = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


def _value_spans(line: str) -> Iterator[tuple[str, int, int]]:
    """``(key, start, end)`` of each member of the JSON object ``line`` (valid JSON)."""
    index = _skip(line, line.index("{") + 1)
    if line[index] == "}":
        return
    while True:
        key, index = _DECODER.raw_decode(line, index)
        start = _skip(line, _skip(line, index) + 1)  # past the colon
        _, end = _DECODER.raw_decode(line, start)
        yield key, start, end
        index = _skip(line, end)
        if line[index] == "}":
            return
        index = _skip(line, index + 1)  # past the comma


def _skip(line: str, index: int) -> int:
    match = _SPACE.match(line, index)
    return match.end() if match else index


_SURROGATE = re.compile("[\ud800-\udfff]")


def dump_chunks(data: Any, indent: int | None = None) -> Iterator[str]:
    """``dumps(data, indent)`` piece by piece, to write a large document (the manifest of
    a 10,000-file run) without holding its whole text, and the list of its pieces that
    ``json.dumps`` joins, in memory."""
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=indent).iterencode(data):
        # a lone surrogate is inside a JSON string, and a string is never split across pieces
        yield _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", chunk)


def dumps(data: Any, indent: int | None = None) -> str:
    """``data`` as JSON, non-ASCII characters as they are, except lone surrogates
    (which a JSON string can hold but UTF-8 cannot encode), written as ``\\uXXXX``."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
