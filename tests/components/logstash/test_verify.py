"""The preview-time check: a render that does not read back as meant stops with the role and the difference."""
from __future__ import annotations

import pytest

from components.logstash import lscl, pipelines, verify
from components.logstash.lscl import Pipeline, Plugin, Ref
from components.logstash.parse import parse
from components.logstash.verify import PipelineMismatch, differences


def test_good_pipeline_passes_and_returns_the_text():
    pipeline = Pipeline(outputs=(Plugin("stdout", {"codec": Plugin("rubydebug", {"metadata": True})}),))
    assert verify.rendered("consumer", pipeline) == lscl.render(pipeline)


def test_serializer_bug_is_caught_with_role_and_place(monkeypatch):
    pipeline = Pipeline(outputs=(Plugin("kafka", {"topic_id": "tweets", "acks": "all"}),))
    monkeypatch.setattr(lscl, "render", lambda p: 'output {\n  kafka {\n    topic_id => "tweet"\n    acks => "all"\n  }\n}\n')
    with pytest.raises(PipelineMismatch) as caught:
        verify.rendered("producer", pipeline)
    message = str(caught.value)
    assert caught.value.role == "producer"
    assert message.startswith("the producer pipeline does not read back as it was meant")
    assert "outputs[0](kafka).topic_id: meant 'tweets', read back 'tweet'" in message
    assert '3 |     topic_id => "tweet"' in message


def test_unparsable_render_is_caught(monkeypatch):
    monkeypatch.setattr(lscl, "render", lambda p: "output { kafka { topic_id => } }")
    with pytest.raises(PipelineMismatch, match=r"the consumer pipeline .*\n  - does not parse: line 1, column 30"):
        verify.rendered("consumer", Pipeline(outputs=(Plugin("kafka"),)))


@pytest.mark.parametrize("meant, read, expected", [
    ({"x": True}, {"x": 1}, "x: meant True (bool), read back 1 (int)"),
    ({"x": 1}, {"x": 1.0}, "x: meant 1 (int), read back 1.0 (float)"),
    ({"x": "1"}, {"x": 1}, "x: meant '1', read back 1 (int)"),
    ({"x": Ref("A")}, {"x": "${A}"}, "x: meant Ref(name='A'), read back '${A}'"),
    ({"x": [1, 2]}, {"x": [1]}, "x: meant 2 items, read back 1"),
    ({"x": 1}, {}, "x: meant 1 (int), missing when read back"),
    ({}, {"y": "z"}, "y: not meant, read back 'z'"),
    ({"c": Plugin("json")}, {"c": Plugin("plain")}, "c: meant plugin 'json', read back plugin 'plain'"),
    ({"c": Plugin("json")}, {"c": "json"}, "c: meant plugin 'json', read back 'json'"),
    ({"h": {"a": 1}}, {"h": "a"}, "h: meant {'a': ('int', 1)}, read back 'a'"),
    ({"l": ["x"]}, {"l": "x"}, "l: meant ['x'], read back 'x'"),
    ({"h": {"a": 1}}, {"h": {"a": 2}}, "h.a: meant 1 (int), read back 2 (int)"),
])
def test_differences_are_strict_about_types(meant, read, expected):
    found = list(differences(Pipeline(inputs=(Plugin("p1", meant),)), Pipeline(inputs=(Plugin("p1", read),))))
    assert found == [f"inputs[0](p1).{expected}"]


def test_tuples_and_lists_are_the_same_array():
    meant = Pipeline(inputs=(Plugin("p1", {"x": ("a", "b")}),))
    assert list(differences(meant, parse(lscl.render(meant)))) == []


def test_hash_keys_are_compared_by_name():
    found = list(differences(Pipeline(inputs=(Plugin("p1", {"h": {"a": 1}}),)),
                             Pipeline(inputs=(Plugin("p1", {"h": {"b": 1}}),))))
    assert found == ["inputs[0](p1).h.a: meant 1 (int), missing when read back",
                     "inputs[0](p1).h.b: not meant, read back 1 (int)"]


def test_the_message_in_full():
    error = PipelineMismatch("consumer", ["first", "second"], "output {\n  o1 { }\n}\n")
    assert str(error) == ("the consumer pipeline does not read back as it was meant:\n  - first\n  - second\n"
                          "rendered text:\n    1 | output {\n    2 |   o1 { }\n    3 | }")


def test_long_lists_of_problems_are_cut():
    # As many as are shown: no "... and 0 more".
    assert "  - p4\nrendered text" in str(PipelineMismatch("producer", [f"p{i}" for i in range(verify.MAX_SHOWN)], ""))
    meant = Pipeline(inputs=(Plugin("p1", {f"k{i}": i for i in range(8)}),))
    error = PipelineMismatch("producer", list(differences(meant, Pipeline())), "")
    assert "... and 3 more" not in str(error)  # one problem: 1 plugin meant, 0 read
    error = PipelineMismatch("producer", [f"p{i}" for i in range(8)], "")
    assert "  - p4\n  ... and 3 more" in str(error)


def test_built_text_verifies(monkeypatch, plugin_settings):
    sink = plugin_settings().consumer.sink
    built = pipelines.consumer(sink, "10.0.0.5:9092", ("twitter",), "logstash", "earliest", 1)
    assert [p.name for p in parse(built.text()).outputs] == ["stdout"]
    monkeypatch.setattr(lscl, "render", lambda p: "output { }")
    with pytest.raises(PipelineMismatch, match="the consumer pipeline"):
        built.text()
