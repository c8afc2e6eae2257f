"""LSCL text back into the data model of `lscl`: `parse(text) -> lscl.Pipeline`.

Used to prove, at preview, that what we render is what we meant (`pipelines.Built.text()`), and by
tests that read rendered configs (bootstrap_servers, topic_id, topics, group_id, ...).

Our own small recursive-descent parser, not a library. Evaluated first:
- `lscl` 0.5 parses into its own pydantic model but refuses plugin-valued options
  (`codec => rubydebug { metadata => true }` fails with "unexpected token LBRACE"), which every
  pipeline we render contains.
- `logstash-pipeline-parser` 0.0.3 (pyparsing) reads codec blocks and conditionals, but returns
  untyped nested lists in which a codec `json { }` and an array `["json", []]` come out identical,
  and quoted "true" and bareword true differ only by Python type; we could not map that back to
  Plugin/list/hash faithfully, which is the point of the check.

The grammar follows Logstash's treetop grammar (logstash-core/lib/logstash/compiler/lscl/lscl_grammar.treetop)
for what a pipeline without conditionals may hold:

    config     := (_ section)* _
    section    := ("input" | "filter" | "output") _ "{" (_ plugin)* _ "}"
    plugin     := name _ "{" (_ attribute)* _ "}"
    attribute  := name _ "=>" _ (plugin | value)
    value      := string | number | bareword | array | hash
    array      := "[" _ (value (_ "," _ value)*)? _ "]"
    hash       := "{" (_ (number | bareword | string) _ "=>" _ value)* _ "}"
    name       := [A-Za-z0-9_-]+ | string
    bareword   := [A-Za-z_][A-Za-z0-9_]+
    number     := "-"? [0-9]+ ("." [0-9]*)?
    _          := (whitespace | "#" comment-to-end-of-line)*

Mapping to data: double- or single-quoted strings are `str` with escapes processed as Logstash does
with `config.support_escapes: true` (\\" \\' \\\\ \\n \\r \\t \\0; any other backslash stays); a string
that is exactly `${NAME}` is a `Ref`; barewords `true`/`false` are `bool`, other barewords `str`;
numbers with a dot are `float`, without `int`; arrays are `list`, hashes `dict` with `str` keys,
sections are tuples of `Plugin`. Conditionals (`if ... { }`) are refused: we never emit them.
"""
from __future__ import annotations

import re
from typing import Any

from components.logstash.lscl import Pipeline, Plugin, Ref

SECTIONS = ("input", "filter", "output")
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BAREWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+\Z")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]*)?")
_REF = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}\Z")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


class ParseError(ValueError):
    """The text is not a Logstash pipeline we can read; names the line and column."""

    def __init__(self, message: str, text: str, pos: int) -> None:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        lines = text.splitlines() or [""]
        excerpt = lines[line - 1] if line <= len(lines) else ""
        super().__init__(f"line {line}, column {column}: {message}\n  {excerpt}\n  {' ' * (column - 1)}^")
        self.line = line
        self.column = column


def parse(text: str) -> Pipeline:
    """Read a pipeline config; raise ParseError on anything Logstash would refuse or we cannot represent."""
    return _Parser(text).config()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # ---- grammar ----

    def config(self) -> Pipeline:
        sections: dict[str, list[Plugin]] = {s: [] for s in SECTIONS}
        self.skip()
        while not self.at_end():
            start = self.pos
            name = self.name()
            if name not in SECTIONS:
                self.fail(f"expected a section (input, filter or output), found {name!r}", start)
            self.skip()
            self.expect("{")
            sections[name].extend(self.plugins())
            self.skip()
        return Pipeline(inputs=tuple(sections["input"]), filters=tuple(sections["filter"]),
                        outputs=tuple(sections["output"]))

    def plugins(self) -> list[Plugin]:
        """Plugins up to and including the closing brace of a section."""
        found = []
        self.skip()
        while not self.eat("}"):
            start = self.pos
            name = self.name()
            if name in ("if", "else"):
                self.fail("conditionals (if/else) are not supported by this reader", start)
            found.append(self.plugin(name))
            self.skip()
        return found

    def plugin(self, name: str) -> Plugin:
        self.skip()
        self.expect("{")
        options: dict[str, Any] = {}
        self.skip()
        while not self.eat("}"):
            start = self.pos
            key = self.name()
            if key in options:
                self.fail(f"option {key!r} is set twice in {name}", start)
            self.skip()
            self.expect("=>")
            self.skip()
            options[key] = self.value(allow_plugin=True)
            self.skip()
        return Plugin(name, options)

    def value(self, allow_plugin: bool = False) -> Any:
        c = self.peek()
        if c in ('"', "'"):
            text = self.string()
            ref = _REF.match(text)
            return Ref(ref.group(1)) if ref else text
        if c == "[":
            return self.array()
        if c == "{":
            return self.hash()
        if c == "-" or c.isdigit():
            return self.number()
        if c.isalpha() or c == "_":
            start = self.pos
            word = self.name()
            if allow_plugin:
                after = self.pos
                self.skip()
                if self.peek() == "{":
                    return self.plugin(word)
                self.pos = after
            if not _BAREWORD.match(word):
                self.fail(f"{word!r} is not a bareword (a letter or _, then at least one letter, digit or _); quote it", start)
            return {"true": True, "false": False}.get(word, word)
        self.fail("expected a value: a string, number, bareword, array, hash" + (" or plugin" if allow_plugin else ""))

    def array(self) -> list[Any]:
        self.expect("[")
        items: list[Any] = []
        self.skip()
        if self.eat("]"):
            return items
        while True:
            items.append(self.value())
            self.skip()
            if self.eat("]"):
                return items
            self.expect(",")
            self.skip()

    def hash(self) -> dict[str, Any]:
        self.expect("{")
        entries: dict[str, Any] = {}
        self.skip()
        while not self.eat("}"):
            start = self.pos
            c = self.peek()
            if c in ('"', "'"):
                key = self.string()
            elif c == "-" or c.isdigit():
                key = self.match(_NUMBER, "a number")
            else:
                key = self.name()
                if not _BAREWORD.match(key):
                    self.fail(f"hash key {key!r} must be a string, number or bareword", start)
            if key in entries:
                self.fail(f"hash key {key!r} appears twice", start)
            self.skip()
            self.expect("=>")
            self.skip()
            entries[key] = self.value()
            self.skip()
        return entries

    def number(self) -> int | float:
        start = self.pos
        digits = self.match(_NUMBER, "a number")
        if _NAME.match(self.text, self.pos):
            self.fail("a number runs into a name; quote the value", start)
        return float(digits) if "." in digits else int(digits)

    def name(self) -> str:
        c = self.peek()
        if c in ('"', "'"):
            return self.string()
        return self.match(_NAME, "a name")

    def string(self) -> str:
        start = self.pos
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                self.fail("string is never closed", start)
            c = self.text[self.pos]
            if c == quote:
                self.pos += 1
                return "".join(out)
            if c == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                out.append(_ESCAPES.get(nxt, "\\" + nxt))
                self.pos += 2
                continue
            out.append(c)
            self.pos += 1

    # ---- scanning ----

    def skip(self) -> None:
        """Whitespace and `#` comments."""
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c.isspace():
                self.pos += 1
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            else:
                return

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def eat(self, token: str) -> bool:
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.eat(token):
            found = repr(self.peek()) if self.peek() else "the end of the text"
            self.fail(f"expected {token!r}, found {found}")

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        m = pattern.match(self.text, self.pos)
        if not m:
            found = repr(self.peek()) if self.peek() else "the end of the text"
            self.fail(f"expected {what}, found {found}")
        self.pos = m.end()
        return m.group(0)

    def fail(self, message: str, pos: int | None = None) -> None:
        raise ParseError(message, self.text, self.pos if pos is None else pos)
