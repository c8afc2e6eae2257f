"""What Logstash's plugins refuse is refused at preview, naming the key, the value and what is
allowed. Each rule names the plugin source it restates; tests/integration/test_logstash_real.py
shows real Logstash refusing the same values (and accepting what passes here)."""
from __future__ import annotations

import pytest

from components.errors import ConfigError
from components.logstash import refusals
from tests.settings import make


def refused(raw: dict) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        make(raw)
    return error.value


# logstash-output-file 4.3.0, lib/logstash/outputs/file.rb, register -> validate_path:
# "The starting part of the path should not be dynamic."
@pytest.mark.parametrize("path", [
    "/%{[@metadata][kafka][topic]}/out.jsonl",
    "/out-%{+YYYY}/x.jsonl",
    "/var/../%{[host]}/x.jsonl",   # File.expand_path resolves .. before the check
])
def test_file_sink_path_whose_first_directory_is_dynamic_is_refused(path):
    error = refused({"consumer": {"sink": {"type": "file", "path": path}}})
    assert error.path == "consumer.sink.path" and error.value == path
    assert "first directory" in str(error) and "must be fixed" in str(error)


@pytest.mark.parametrize("path", [
    "/var/lib/logstash/out/%{[@metadata][kafka][topic]}-%{+YYYY-MM-dd}.jsonl",  # the default
    "/var/lib/logstash/%{[@metadata][kafka][topic]}/out.jsonl",
    "/srv/out.jsonl",
])
def test_file_sink_path_with_a_fixed_first_directory_is_accepted(path):
    assert make({"consumer": {"sink": {"type": "file", "path": path}}}).consumer.sink.options["path"] == path


# logstash-input-http_poller 6.0.0, lib/logstash/inputs/http_poller.rb, register -> normalize_request
# -> validate_request!: URI::RFC2396_PARSER.regexp[:ABS_URI] must match, else "Invalid URL".
@pytest.mark.parametrize("url, shown", [
    ("https://example.org/daten/übersicht.json", "'ü'"),
    ("https://example.org/a|b.json", "'|'"),
    ("https://example.org/{x}.json", "'{', '}'"),
    ("https://example.org/a^b.json", "'^'"),
])
def test_http_poller_url_outside_rfc_2396_is_refused_naming_the_characters(url, shown):
    error = refused({"producer": {"source": {"type": "http_poller", "url": url}}})
    assert error.path == "producer.source.url" and error.value == url
    assert f"({shown} must be percent-encoded)" in str(error)


def test_the_refusal_suggests_the_percent_encoded_url_and_that_is_accepted():
    error = refused({"producer": {"source": {"type": "http_poller", "url": "https://example.org/daten/übersicht.json"}}})
    suggested = "https://example.org/daten/%C3%BCbersicht.json"
    assert suggested in str(error)
    assert make({"producer": {"source": {"type": "http_poller", "url": suggested}}}).producer.source.options["url"] == suggested


@pytest.mark.parametrize("url", [
    "https://example.org/feed.json?since=1h&limit=10#top",
    "http://10.0.0.7:8080/a%20b.json",
    "http://[fd00::7]:8080/feed.json",
    "https://user:pw@example.org/feed.json",
])
def test_http_poller_urls_within_rfc_2396_are_accepted(url):
    assert make({"producer": {"source": {"type": "http_poller", "url": url}}}).producer.source.options["url"] == url


# logstash-core LogStash::Util::SafeURI#initialize (the :uri option type; Logstash 8.19 and 9.x):
# java.net.URI leaves the host unset -> "URI is not valid - host is not specified". The OpenSearch
# output's hosts are :uri (logstash-output-opensearch, plugin_mixins/opensearch/api_configs.rb).
@pytest.mark.parametrize("url", [
    "https://search_node:9200",
    "https://bücher.example.org:9200",
    "https://search.example.123:9200",   # a name's last label starts with a letter
    "http://10.0.0.300:9200",
])
def test_opensearch_host_that_java_reads_as_no_host_is_refused(url):
    error = refused({"consumer": {"sink": {"type": "opensearch", "hosts": ["https://ok.example.org:9200", url]}}})
    assert error.path == "consumer.sink.hosts[1]" and error.value == url
    assert "plain host name" in str(error)


@pytest.mark.parametrize("url", [
    "https://search.example.org:9200", "http://localhost:9200", "http://10.0.0.9:9200", "http://[fd00::9]:9200",
    "https://admin:pw@search-1.example.org/prefix", "http://search.example.org.:9200",
])
def test_opensearch_plain_hosts_are_accepted(url):
    assert make({"consumer": {"sink": {"type": "opensearch", "hosts": [url]}}}).consumer.sink.options["hosts"] == (url,)


def test_the_rfc_2396_port_rejects_what_the_character_classes_leave_out():
    # Direct checks of the ported expression's edges: percent escapes need two hex digits; a scheme
    # starts with a letter; an IPv6 literal must be hex.
    assert refusals.RFC2396_ABS_URI.match("https://example.org/%41")
    assert not refusals.RFC2396_ABS_URI.match("https://example.org/100%")
    assert not refusals.RFC2396_ABS_URI.match("1http://example.org/")
    assert refusals.RFC2396_ABS_URI.match("http://[::ffff:10.0.0.1]/")


# logstash-input-file 4.4.7, lib/logstash/inputs/file.rb, register: "File paths must be absolute,
# relative path specified" (the schema's absolute_paths).
@pytest.mark.parametrize("path", ["var/log/app.log", "./app.log", "~/app.log"])
def test_file_source_relative_path_is_refused(path):
    error = refused({"producer": {"source": {"type": "file", "path": ["/var/log/ok.log", path]}}})
    assert error.path == "producer.source.path[1]" and "absolute" in str(error)


# java.net.URI takes a non-ASCII letter outside the host as an "other" character, but no non-ASCII
# space or control; each case below was checked against java.net.URI on this machine's JDK.
@pytest.mark.parametrize("url", [
    "https://search.example.org/bücher", "https://üser:pw@search.example.org/", "https://search.example.org/a%20b",
    "http://[::1]:9200",
])
def test_opensearch_urls_java_reads_with_a_host_are_accepted(url):
    assert make({"consumer": {"sink": {"type": "opensearch", "hosts": [url]}}}).consumer.sink.options["hosts"] == (url,)


INVALID_URI = ("Logstash refuses it as an invalid URI; percent-encode the characters outside RFC 2396 "
               "(such as space | { } ^ ` \\ \" < >)")
NO_HOST = ("the host must be a plain host name (ASCII letters, digits, '-' and '.', no '_'), an IPv4 address or "
           "an [IPv6] address: Logstash reads this URL as having no host")


@pytest.mark.parametrize("url, allowed", [
    ("https://search.example.org/a\u00a0b", INVALID_URI),   # a no-break space
    ("https://search.example.org/a\u0085b", INVALID_URI),   # a C1 control
    ("https://search.example.org/a|b", INVALID_URI),
    ("http://[zz::1]:9200", NO_HOST),
    ("http://[fd00::9:9200", NO_HOST),
    ("https://a@b@search.example.org:9200", NO_HOST),       # the user ends at the first @
    ("search.example.org:9200", "expected a URL such as https://search.example.org:9200"),
])
def test_uri_host_refusals_in_full(url, allowed):
    # The rule itself: the schema in front of it already refuses some of these (spaces, no scheme).
    with pytest.raises(ConfigError) as caught:
        refusals.uri_host("consumer.sink.hosts[0]", url)
    assert str(caught.value) == f"invalid config consumer.sink.hosts[0] = {url!r}: {allowed}"


def test_file_sink_refusal_in_full():
    path = "/%{[host]}/x.jsonl"
    assert str(refused({"consumer": {"sink": {"type": "file", "path": path}}})) == (
        f"invalid config consumer.sink.path = {path!r}: the first directory ('%{{[host]}}') must be fixed: "
        "Logstash's file output refuses a path that starts with a %{...} reference; put references further down, "
        "e.g. /var/lib/logstash/out/%{[@metadata][kafka][topic]}.jsonl")


def test_a_path_without_directories_has_no_dynamic_start():
    assert refusals.file_output_path("consumer.sink.path", "/") == "/"


def test_http_poller_url_refused_for_its_shape_alone_names_no_character():
    url = "https://example.org/100%"
    error = refused({"producer": {"source": {"type": "http_poller", "url": url}}})
    assert str(error) == (f"invalid config producer.source.url = {url!r}: Logstash's http_poller refuses it as an "
                          f"invalid URL; write it percent-encoded, e.g. https://example.org/100%")


@pytest.mark.parametrize("given, missing, how", [
    ({"user": "reader"}, "password", "pulumi config set --secret --path producer.source.password ..."),
    ({"password": "pw"}, "user", "pulumi config set --path producer.source.user ..."),
])
def test_basic_auth_half_refusal_says_how_to_set_the_other_half(given, missing, how):
    error = refused({"producer": {"source": {"type": "http_poller", **given}}})
    other = "user" if missing == "password" else "password"
    assert str(error) == (f"invalid config producer.source.{missing} = None: required with producer.source.{other}: "
                          f"basic auth needs a user and a password, or neither ({how})")
