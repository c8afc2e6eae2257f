"""Our URL rules (components/logstash/refusals.py) agree, sample by sample, with what Logstash itself
runs: Ruby's URI::RFC2396_PARSER ABS_URI (the http_poller's check) and java.net.URI's host (the
`:uri` option type's), asked of the JRuby and JDK inside the Logstash release the rehearsal serves."""
from __future__ import annotations

import json
import subprocess

import pytest

from components.errors import ConfigError
from components.logstash import refusals
from tests.integration.logstash import install

pytestmark = pytest.mark.integration

SAMPLES = [
    "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/all_hour.geojson",
    "https://example.org/daten/übersicht.json", "https://example.org/daten/%C3%BCbersicht.json",
    "https://example.org/a|b", "https://example.org/{x}", "https://example.org/a^b", "https://example.org/a`b",
    "https://example.org/a\"b", "https://example.org/a<b>", "https://example.org/a\\b", "https://example.org/100%",
    "https://example.org/%zz", "https://example.org/?q=a+b&r=[1]", "https://example.org/#frag#twice",
    "https://example.org/p;param?x#y", "https://user:pw@example.org:8443/x", "https://us er@example.org/",
    "http://10.0.0.7:8080/feed.json", "http://10.0.0.300/", "http://1.2.3/", "http://[::1]:9200/",
    "http://[fd00::7]/x", "http://[::ffff:10.0.0.1]/", "http://[zz::1]/", "https://search_node:9200",
    "https://bücher.example.org:9200", "https://xn--bcher-kva.example.org:9200", "https://search.example.123:9200",
    "https://search-1.example.org.:9200", "http://localhost:9200", "http://123:9200", "https://-bad.example.org/",
    "https://bad-.example.org/", "https://a..b.org/", "https://ex~ample.org/", "https://example.org:/x",
    "https://example.org:99999/", "http://example.org/a%2Fb", "http://example.org/a b", "https://example.org/a\u00a0b",
    "https://ex@mple@example.org/", "https://usér@example.org/",
]

PROBE = r'''
require "json"; require "uri"; require "java"
parser = defined?(URI::RFC2396_PARSER) ? URI::RFC2396_PARSER : URI::DEFAULT_PARSER
out = JSON.parse(STDIN.read).map do |u|
  host = (java.net.URI.new(u).getHost rescue nil)
  {"url" => u, "abs_uri" => !parser.regexp[:ABS_URI].match(u).nil?, "java_host" => host}
end
puts JSON.generate(out)
'''


@pytest.fixture(scope="module")
def logstash_says() -> dict[str, dict]:
    home = install()
    result = subprocess.run([str(home / "vendor" / "jruby" / "bin" / "jruby"), "-e", PROBE],
                            input=json.dumps(SAMPLES), capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "JAVA_HOME": str(home / "jdk"), "LANG": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    return {row["url"]: row for row in json.loads(result.stdout.splitlines()[-1])}


def accepts(rule, url: str) -> bool:
    try:
        rule("k", url)
        return True
    except ConfigError:
        return False


@pytest.mark.parametrize("url", SAMPLES)
def test_http_poller_rule_matches_rubys_rfc_2396_parser(logstash_says, url):
    assert accepts(refusals.http_poller_url, url) == logstash_says[url]["abs_uri"]


@pytest.mark.parametrize("url", SAMPLES)
def test_uri_host_rule_matches_java_net_uri(logstash_says, url):
    assert accepts(refusals.uri_host, url) == (logstash_says[url]["java_host"] is not None)
