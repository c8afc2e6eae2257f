"""Values Logstash's plugins refuse, refused here first, at preview, with the key that holds them.

Each rule restates one check of the plugin's own source (the release named in its docstring), so a
value that passes here passes there: several of these fire only when the pipeline starts, after
`--config.test_and_exit` has passed, which would leave a host's service failing after a green `up`.

Every option we render was read against its plugin's `config` declarations and `register` checks
(generator 3.1.0, sleep 3.0.7, split 3.1.9, file input 4.4.7, http_poller 6.0.0, kafka integration
11.8.7, stdout 3.1.4, rubydebug 3.1.0, file output 4.3.0, as Logstash 9.2.8 locks them): the
declared choices (acks, compression_type, decorate_events, ...) are ours already, the file input's
"paths must be absolute" is the schema's absolute_paths, and the rules below are the rest.
tests/integration/test_logstash_real.py starts every offline render in real Logstash.
"""
from __future__ import annotations

import ipaddress
import posixpath
import re
import unicodedata
import urllib.parse

from components.errors import ConfigError

# logstash-output-file 4.3.0, lib/logstash/outputs/file.rb: FIELD_REF.
FIELD_REF = re.compile(r"%\{[^}]+\}")


def file_output_path(path: str, value: str) -> str:
    """logstash-output-file 4.3.0 `register` -> `validate_path`: the first directory of the
    expanded path (`File.expand_path`) must not hold a `%{...}` reference ("The starting part of
    the path should not be dynamic."), checked when the pipeline starts."""
    first = next((part for part in posixpath.normpath(value).split("/") if part), "")
    if FIELD_REF.search(first):
        raise ConfigError(path, value, f"the first directory ({first!r}) must be fixed: Logstash's file output "
                                       "refuses a path that starts with a %{...} reference; put references "
                                       "further down, e.g. /var/lib/logstash/out/%{[@metadata][kafka][topic]}.jsonl")
    return value


# Ruby's URI::RFC2396_Parser#regexp[:ABS_URI] (JRuby 9.4's stdlib uri/rfc2396_parser.rb, as bundled
# with Logstash 9.x and 8.19), written out in Python with the same pieces.
_ALPHA, _ALNUM, _HEX = "a-zA-Z", "a-zA-Z0-9", "a-fA-F0-9"
_ESCAPED = f"%[{_HEX}]{{2}}"
_UNRESERVED = rf"\-_.!~*'(){_ALNUM}"
_RESERVED = r";/?:@&=+$,\[\]"
_URIC = f"(?:[{_UNRESERVED}{_RESERVED}]|{_ESCAPED})"
_URIC_NO_SLASH = f"(?:[{_UNRESERVED};?:@&=+$,]|{_ESCAPED})"
_HOSTNAME = rf"(?:[a-zA-Z0-9\-.]|%[{_HEX}][{_HEX}])+"
_IPV4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"
_HEX4 = f"[{_HEX}]{{1,4}}"
_LASTPART = f"(?:{_HEX4}|{_IPV4})"
_HEXSEQ1 = f"(?:{_HEX4}:)*{_HEX4}"
_HEXSEQ2 = f"(?:{_HEX4}:)*{_LASTPART}"
_IPV6 = f"(?:{_HEXSEQ2}|(?:{_HEXSEQ1})?::(?:{_HEXSEQ2})?)"
_HOST = rf"(?:{_HOSTNAME}|{_IPV4}|\[{_IPV6}\])"
_USERINFO = f"(?:[{_UNRESERVED};:&=+$,]|{_ESCAPED})*"
_PCHAR = f"(?:[{_UNRESERVED}:@&=+$,]|{_ESCAPED})"
_SEGMENT = f"{_PCHAR}*(?:;{_PCHAR}*)*"
_ABS_PATH = f"/{_SEGMENT}(?:/{_SEGMENT})*"
_REG_NAME = f"(?:[{_UNRESERVED}$,;:@&=+]|{_ESCAPED})+"
_SCHEME = rf"[{_ALPHA}][\-+.{_ALPHA}\d]*"
RFC2396_ABS_URI = re.compile(
    rf"\A\s*{_SCHEME}:(?:{_URIC_NO_SLASH}{_URIC}*|(?:(?://(?:(?:(?:{_USERINFO}@)?(?:{_HOST})(?::\d*)?)?"
    rf"|{_REG_NAME})|(?!//))(?:{_ABS_PATH})?)(?:\?{_URIC}*)?)(?:\#{_URIC}*)?\s*\Z")


def http_poller_url(path: str, value: str) -> str:
    """logstash-input-http_poller 6.0.0 `register` -> `normalize_request` -> `validate_request!`:
    the URL must match Ruby's RFC 2396 ABS_URI ("Invalid URL ..." when the pipeline starts), so
    `|`, `{`, `}`, spaces and any non-ASCII character must be percent-encoded."""
    if not RFC2396_ABS_URI.match(value):
        bad = sorted({c for c in value if not re.fullmatch(f"[{_UNRESERVED}{_RESERVED}%#]", c)})
        hint = f" ({', '.join(repr(c) for c in bad)} must be percent-encoded)" if bad else ""
        raise ConfigError(path, value, f"Logstash's http_poller refuses it as an invalid URL{hint}; "
                                       f"write it percent-encoded, e.g. {urllib.parse.quote(value, safe=':/?&=#%@+,;$')}")
    return value


# java.net.URI (RFC 2396 with RFC 2732's IPv6 literals): the same characters as Ruby's parser above,
# plus any non-ASCII character that is neither a space nor a control outside the host ("other");
# a server-based host is a name of ASCII letters, digits and inner hyphens whose last label starts
# with a letter, an IPv4 address, or an IPv6 address in brackets. Anything else: no host, or no URI.
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_JAVA_HOSTNAME = re.compile(rf"^(?:{_LABEL}\.)*[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.?$|^{_LABEL}\.?$")
_SPLIT = re.compile(r"^([a-zA-Z][-+.a-zA-Z0-9]*://)([^/?#]*)(.*)$", re.DOTALL)


def uri_host(path: str, value: str) -> str:
    """logstash-core's `:uri` option type (LogStash::Util::SafeURI#initialize, Logstash 8.19 and
    9.x): the URL goes through java.net.URI, which refuses characters outside RFC 2396 and leaves
    the host unset when it is not a plain host name ("URI is not valid - host is not specified"
    when the config loads). The OpenSearch output declares `hosts` with `:validate => :uri`
    (logstash-output-opensearch, lib/logstash/plugin_mixins/opensearch/api_configs.rb)."""
    parts = _SPLIT.match(value)
    if not parts:
        raise ConfigError(path, value, "expected a URL such as https://search.example.org:9200")
    scheme, authority, rest = parts.groups()
    userinfo, at, hostport = authority.partition("@") if "@" in authority else ("", "", authority)
    if not _java_host(hostport):
        raise ConfigError(path, value, "the host must be a plain host name (ASCII letters, digits, '-' and '.', "
                                       "no '_'), an IPv4 address or an [IPv6] address: Logstash reads this URL "
                                       "as having no host")
    if not RFC2396_ABS_URI.match(scheme + _as_escapes(userinfo) + at + hostport + _as_escapes(rest)):
        raise ConfigError(path, value, "Logstash refuses it as an invalid URI; percent-encode the characters "
                                       "outside RFC 2396 (such as space | { } ^ ` \\ \" < >)")
    return value


def _java_host(hostport: str) -> bool:
    if hostport.startswith("["):
        literal, bracket, port = hostport[1:].partition("]")
        return bool(bracket) and _is_ip(literal, 6) and re.fullmatch(r"(?::\d*)?", port) is not None
    host, _, port = hostport.partition(":")
    return (port == "" or port.isdigit()) and (_is_ip(host, 4) or bool(_JAVA_HOSTNAME.match(host)))


def _as_escapes(text: str) -> str:
    """Java's "other" characters stand in as an escape, which both parsers accept; a non-ASCII space
    or control stays as it is, and fails."""
    return "".join("%41" if ord(c) > 127 and not (unicodedata.category(c)[0] in "ZC") else c for c in text)


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def basic_auth_pair(path: str, user: object, password: object) -> None:
    """Basic auth needs both halves, or neither: the http client mixin (7.5.0) and the opensearch
    output refuse a lone one only when the pipeline starts."""
    halves = {"user": user, "password": password}
    for missing, given in (("user", "password"), ("password", "user")):
        if halves[missing] is None and halves[given] is not None:
            how = f"pulumi config set {'--secret ' if missing == 'password' else ''}--path {path}.{missing} ..."
            raise ConfigError(f"{path}.{missing}", None, f"required with {path}.{given}: basic auth needs a user "
                                                         f"and a password, or neither ({how})")
