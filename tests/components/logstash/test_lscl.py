"""The serializer: escaping, references, containers, numbers, keys; and render -> parse round trips."""
from __future__ import annotations

import random

import pytest

from components.logstash import lscl
from components.logstash.lscl import Pipeline, Plugin, Ref
from components.logstash.parse import parse
from components.logstash.verify import differences


def one(value, key="v"):
    """Render one option value and read it back."""
    text = lscl.render(Pipeline(inputs=(Plugin("p1", {key: value}),)))
    return text, parse(text).inputs[0].options


@pytest.mark.parametrize("value, written", [
    ('say "hi"', r'"say \"hi\""'),
    ("C:\\temp\\new", r'"C:\\temp\\new"'),
    ("a\nb", r'"a\nb"'),
    ("a\tb\rc", r'"a\tb\rc"'),
    ("it's", '"it\'s"'),
    ("%{[@metadata][kafka][topic]}", '"%{[@metadata][kafka][topic]}"'),
    ("# not a comment", '"# not a comment"'),
    ("", '""'),
    ("한국어 ✓", '"한국어 ✓"'),
])
def test_strings_are_escaped_and_read_back(value, written):
    text, back = one(value)
    assert f"v => {written}\n" in text
    assert back == {"v": value}


def test_backslash_before_n_is_not_a_newline():
    text, back = one("\\n")
    assert r'"\\n"' in text
    assert back["v"] == "\\n" and "\n" not in back["v"]


def test_ref_renders_as_quoted_reference():
    text, back = one(Ref("SINK_PASSWORD"))
    assert 'v => "${SINK_PASSWORD}"' in text
    assert back == {"v": Ref("SINK_PASSWORD")}


@pytest.mark.parametrize("value", ["${HOME}", "pre${X}post", "a ${", "${"])
def test_plain_string_with_reference_syntax_is_refused(value):
    with pytest.raises(ValueError, match=r"\$\{"):
        one(value)


def test_refused_inside_containers_too():
    with pytest.raises(ValueError):
        one(["ok", "${X}"])
    with pytest.raises(ValueError):
        one({"k": "${X}"})
    with pytest.raises(ValueError):
        one({"${X}": "v"})


@pytest.mark.parametrize("name", ["lower", "1X", "A-B", "", "A B", "A\n"])
def test_ref_names_are_checked(name):
    with pytest.raises(ValueError) as caught:
        Ref(name)
    assert str(caught.value) == f"reference name {name!r} must match [A-Z][A-Z0-9_]*\\Z"


def test_arrays_and_hashes():
    value = {"list": [1, "two", [3.5, True]], "empty": [], "nested": {"k": "v"}, "with space": {}}
    text, back = one(value)
    assert '"list" => [1, "two", [3.5, true]]' in text
    assert back["v"] == value


def test_codec_block_with_options():
    text, back = one(Plugin("rubydebug", {"metadata": True}), key="codec")
    assert "codec => rubydebug { metadata => true }" in text
    assert back["codec"] == Plugin("rubydebug", {"metadata": True})


def test_empty_codec_block():
    text, back = one(Plugin("json"), key="codec")
    assert "codec => json { }" in text
    assert back["codec"] == Plugin("json", {})


def test_plugin_inside_array_or_hash_is_refused():
    with pytest.raises(ValueError, match="only as option values"):
        one([Plugin("json")])
    with pytest.raises(ValueError, match="only as option values"):
        one({"c": Plugin("json")})


@pytest.mark.parametrize("value, written", [
    (0, "0"), (-7, "-7"), (10**20, str(10**20)),
    (1.5, "1.5"), (-0.25, "-0.25"), (1e-05, "0.00001"), (1e20, "100000000000000000000.0"), (3.0, "3.0"),
])
def test_numbers_have_no_exponent_and_floats_keep_a_dot(value, written):
    text, back = one(value)
    assert f"v => {written}\n" in text
    assert back["v"] == value and type(back["v"]) is type(value)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(ValueError, match="Logstash number"):
        one(value)


def test_booleans_are_barewords_and_strings_stay_strings():
    text, back = one([True, False, "true", "1", 1])
    assert '[true, false, "true", "1", 1]' in text
    assert back["v"] == [True, False, "true", "1", 1]
    assert [type(v) for v in back["v"]] == [bool, bool, str, str, int]


@pytest.mark.parametrize("key, written", [
    ("bootstrap_servers", "bootstrap_servers"), ("x", "x"), ("with-dash", "with-dash"),
    ("has space", '"has space"'), ("1st", '"1st"'), ("trailing\n", r'"trailing\n"'), ("a.b", '"a.b"'), ('q"uote', r'"q\"uote"'),
])
def test_non_bareword_keys_are_quoted(key, written):
    text, back = one(1, key=key)
    assert f"  {written} => 1\n" in text
    assert back == {key: 1}


@pytest.mark.parametrize("name", ["has space", "1abc", "", "x{", "json\n"])
def test_plugin_names_must_be_names(name):
    with pytest.raises(ValueError, match="plugin name"):
        lscl.render(Pipeline(inputs=(Plugin(name),)))
    with pytest.raises(ValueError, match="plugin name"):
        one(Plugin(name), key="codec")


def test_unsupported_types_are_refused():
    for value, kind in ((None, "NoneType"), (b"bytes", "bytes"), (object(), "object")):
        with pytest.raises(TypeError, match=f"^cannot write {kind} into a Logstash config$"):
            one(value)


def test_empty_sections_are_left_out():
    assert lscl.render(Pipeline()) == ""
    text = lscl.render(Pipeline(outputs=(Plugin("stdout"),)))
    assert text == "output {\n  stdout {\n  }\n}\n"


def test_text_is_exactly_the_data_in_its_order():
    """Hash keys keep the order they are given (Logstash reads hashes in order); sections come
    input, filter, output, separated by one blank line."""
    pipeline = Pipeline(inputs=(Plugin("a1", {"x": {"b": 1, "a": 2}}),), outputs=(Plugin("b1"),))
    assert lscl.render(pipeline) == 'input {\n  a1 {\n    x => { "b" => 1 "a" => 2 }\n  }\n}\n\noutput {\n  b1 {\n  }\n}\n'


# ---- round trips over generated values ----

ALPHABET = ('abcXYZ019 _-.:/@%[]{}#,=>' + '"' + "'" + "\\" + "\n\t\r" + "$" + "é한✓")


def _string(rng: random.Random) -> str:
    while True:
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        if "${" not in text:
            return text


def _number(rng: random.Random) -> int | float:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randint(-10**6, 10**6)
    if kind == 1:
        return rng.randint(-10**30, 10**30)
    if kind == 2:
        return rng.uniform(-1000, 1000)
    return rng.choice([1, -1]) * rng.random() * 10 ** rng.randint(-12, 25)


def _scalar(rng: random.Random):
    kind = rng.randrange(4)
    if kind == 0:
        return _string(rng)
    if kind == 1:
        return _number(rng)
    if kind == 2:
        return rng.random() < 0.5
    return Ref(rng.choice(["A", "SOURCE_X", "SINK_PASSWORD_2"]))


def _value(rng: random.Random, depth: int):
    kind = rng.randrange(6 if depth < 3 else 1)
    if kind <= 2:
        return _scalar(rng)
    if kind == 3:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == 4:
        return {_string(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return _scalar(rng)


def _key(rng: random.Random) -> str:
    return rng.choice(["codec", "topic_id", "x", "with-dash", "_u", _string(rng)])


def _plugin(rng: random.Random, depth: int = 0) -> Plugin:
    options = {}
    for _ in range(rng.randint(0, 5)):
        if depth == 0 and rng.random() < 0.2:
            options[_key(rng)] = _plugin(rng, depth + 1)
        else:
            options[_key(rng)] = _value(rng, 0)
    return Plugin(rng.choice(["kafka", "stdout", "json_lines", "p_1", "http-poller"]), options)


@pytest.mark.parametrize("seed", range(1000))
def test_render_parse_round_trip(seed):
    rng = random.Random(seed)
    pipeline = Pipeline(
        inputs=tuple(_plugin(rng) for _ in range(rng.randint(0, 3))),
        filters=tuple(_plugin(rng) for _ in range(rng.randint(0, 2))),
        outputs=tuple(_plugin(rng) for _ in range(rng.randint(0, 3))),
    )
    back = parse(lscl.render(pipeline))
    assert list(differences(pipeline, back)) == []
    assert len(back.inputs) == len(pipeline.inputs) and len(back.outputs) == len(pipeline.outputs)


def test_round_trip_generator_covers_the_hard_cases():
    """The generated values above do include what breaks naive serializers."""
    rng = random.Random(0)
    seen = "".join(_string(rng) for _ in range(2000))
    for char in ('"', "'", "\\", "\n", "\t", "\r", "$", "{", "#"):
        assert char in seen
    numbers = [_number(rng) for _ in range(2000)]
    assert any(isinstance(n, float) and "e" in repr(n) for n in numbers)
