"""The reader: what Logstash accepts (comments, quotes, barewords, numbers, containers, codecs) and what it refuses."""
from __future__ import annotations

import pytest

from components.logstash.lscl import Pipeline, Plugin, Ref
from components.logstash.parse import ParseError, parse

HANDWRITTEN = r"""
# A pipeline as a person writes it.
input {
  kafka {   # trailing comment
    bootstrap_servers => 'b1:9092,b2:9092'
    topics => ["one", 'two']
    consumer_threads => 3
    decorate_events => basic
    codec => json
  }
}
filter {
  mutate { add_field => { "[@metadata][x]" => "%{[a]}" nn => 1 2 => 'two' } }
  sleep { time => "1" every => 10 }
}
filter { split { field => features } }
output {
  stdout { codec => rubydebug { metadata => true } }
  opensearch {
    hosts => ["https://h:9200"]
    password => "${SINK_PASSWORD}"
    ssl => false
    ratio => -0.5
    whole => 5.
    "quoted key" => 'it\'s'
  }
}
"""


def test_handwritten_pipeline():
    p = parse(HANDWRITTEN)
    kafka = p.inputs[0]
    assert kafka == Plugin("kafka", {
        "bootstrap_servers": "b1:9092,b2:9092",
        "topics": ["one", "two"],
        "consumer_threads": 3,
        "decorate_events": "basic",
        "codec": "json",
    })
    assert [f.name for f in p.filters] == ["mutate", "sleep", "split"]  # repeated sections join
    assert p.filters[0].options["add_field"] == {"[@metadata][x]": "%{[a]}", "nn": 1, "2": "two"}
    assert p.outputs[0].options["codec"] == Plugin("rubydebug", {"metadata": True})
    assert p.outputs[1].options == {
        "hosts": ["https://h:9200"], "password": Ref("SINK_PASSWORD"), "ssl": False,
        "ratio": -0.5, "whole": 5.0, "quoted key": "it's",
    }


def test_returns_tuples_of_plugins():
    p = parse("input { a1 { } }")
    assert p == Pipeline(inputs=(Plugin("a1", {}),))


@pytest.mark.parametrize("written, value", [
    (r'"a\"b"', 'a"b'), (r"'a\'b'", "a'b"), (r'"a\\b"', "a\\b"), (r'"a\nb"', "a\nb"), (r'"a\tb"', "a\tb"),
    (r'"a\rb"', "a\rb"), (r'"a\0b"', "a\0b"), (r'"a\qb"', r"a\qb"), ('"raw\nnewline"', "raw\nnewline"),
    ('"${X}"', Ref("X")), ("'${X}'", Ref("X")), ('"${X:default}"', "${X:default}"), ('"x${Y}"', "x${Y}"),
    ("123", 123), ("-4", -4), ("0.5", 0.5), ("true", True), ("false", False), ("plain", "plain"),
    ("[]", []), ("{}", {}), ("[[1], {}]", [[1], {}]), ('"true"', "true"), ('"12"', "12"),
])
def test_values(written, value):
    back = parse(f"output {{ o1 {{ v => {written} }} }}").outputs[0].options["v"]
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("text, message, line, column", [
    ('input { a1 { x => "1" } y }', "expected '{'", 1, 27),
    ('input {\n  a1 { x => "open }\n}', "never closed", 2, 13),
    ("input {\n  if [x] { a1 { } }\n}", "conditionals", 2, 3),
    ("input { a1 { x => v } }", "not a bareword", 1, 19),
    ("input { a1 { x => [json { }] } }", "expected ','", 1, 25),
    ("input { a1 { x => 1 x => 2 } }", "set twice", 1, 21),
    ("input { a1 { x => { aa => 1 aa => 2 } } }", "appears twice", 1, 29),
    ("input { a1 { x => 12ab } }", "runs into a name", 1, 19),
    ("inputs { }", "expected a section", 1, 1),
    ("input { a1 { x = 1 } }", "expected '=>'", 1, 16),
    ("input { a1 { x => } }", "expected a value", 1, 19),
    ("input { a1 { x => [1, ] } }", "expected a value", 1, 23),
    ("input { a1 { x => 1 }", "expected a name, found the end", 1, 22),
])
def test_refusals_name_line_and_column(text, message, line, column):
    with pytest.raises(ParseError, match=message) as caught:
        parse(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert isinstance(caught.value, ValueError)
    assert f"line {line}, column {column}" in str(caught.value)


def test_comment_at_end_without_newline_and_empty_text():
    assert parse("output { o1 { } } # done") == Pipeline(outputs=(Plugin("o1", {}),))
    assert parse("") == Pipeline()
    assert parse("# only a comment\n") == Pipeline()


# What a user sees when a render does not parse: the message, the line, and a caret under the column.
@pytest.mark.parametrize("text, message", [
    ('input { a1 { x => "1" } y }',
     "line 1, column 27: expected '{', found '}'\n  input { a1 { x => \"1\" } y }\n                            ^"),
    ("input { a1",
     "line 1, column 11: expected '{', found the end of the text\n  input { a1\n            ^"),
    ("input { a1 { = } }",
     "line 1, column 14: expected a name, found '='\n  input { a1 { = } }\n               ^"),
    ("\ninputs { }",
     "line 2, column 1: expected a section (input, filter or output), found 'inputs'\n  inputs { }\n  ^"),
    ("\ninput {\n  a1 { x => 12ab }\n}",
     "line 3, column 13: a number runs into a name; quote the value\n    a1 { x => 12ab }\n              ^"),
    ("input {\n  a1 { x => 1 }\n  a2 { y => [1, ] }\n}",
     "line 3, column 17: expected a value: a string, number, bareword, array, hash\n    a2 { y => [1, ] }\n"
     "                  ^"),
    ("input { a1 { x => } }",
     "line 1, column 19: expected a value: a string, number, bareword, array, hash or plugin\n"
     "  input { a1 { x => } }\n                    ^"),
    ("input { a1 { x => 1 }\n",   # past the last line: no excerpt
     "line 2, column 1: expected a name, found the end of the text\n  \n  ^"),
    ("input { a1 { x => { - => 1 } } }",
     "line 1, column 21: expected a number, found '-'\n  input { a1 { x => { - => 1 } } }\n                      ^"),
    ("input { a1 { x => -a } }",
     "line 1, column 19: expected a number, found '-'\n  input { a1 { x => -a } }\n                    ^"),
    ("input { a1 { x => { a-b => 1 } } }",
     "line 1, column 21: hash key 'a-b' must be a string, number or bareword\n"
     "  input { a1 { x => { a-b => 1 } } }\n                      ^"),
    ("input { else { } }",
     "line 1, column 9: conditionals (if/else) are not supported by this reader\n  input { else { } }\n          ^"),
    ('input { a1 { x => "abc\\',    # a backslash as the last character
     'line 1, column 19: string is never closed\n  input { a1 { x => "abc\\\n                    ^'),
    ('input { a1 { x => "a\\"',     # an escaped quote as the last characters
     'line 1, column 19: string is never closed\n  input { a1 { x => "a\\"\n                    ^'),
])
def test_refusal_messages_in_full(text, message):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert str(caught.value) == message


def test_single_quoted_names_and_keys_negative_keys_and_underscore_barewords():
    p = parse("input { a1 { 'o p' => 1 x => { 'a b' => 1 -1 => 2 } y => _ab } }")
    assert p.inputs[0].options == {"o p": 1, "x": {"a b": 1, "-1": 2}, "y": "_ab"}
