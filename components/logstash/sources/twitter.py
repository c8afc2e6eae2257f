"""Tweets matching keywords: Logstash's twitter input, kept for the original tutorial.

Caveat: the plugin speaks Twitter's v1.1 streaming API, which X shut for new apps in 2022 and retired
in March 2023 (logstash-plugins/logstash-input-twitter#74, still open). New credentials get
`Twitter::Error::Forbidden`; it works only with paid API access that still reaches that endpoint.
Use `http_poller` for real data without credentials.

The four credentials are secrets: they reach the host as `${SOURCE_CONSUMER_KEY}`-style references
resolved from a root-only environment file, never as config text.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece

OPTIONS = {
    "consumerKey": o.secret(doc="the app's API key"),
    "consumerSecret": o.secret(doc="the app's API key secret"),
    "oauthToken": o.secret(doc="the access token"),
    "oauthTokenSecret": o.secret(doc="the access token secret"),
    "keywords": o.texts(default=("kafka",), doc="words to track"),
    "fullTweet": o.flag(default=False, doc="keep the whole tweet object, not just the main fields"),
}


def render(options: Mapping[str, Any]) -> Piece:
    return Piece(blocks=(Plugin("twitter", {
        "consumer_key": options["consumerKey"],
        "consumer_secret": options["consumerSecret"],
        "oauth_token": options["oauthToken"],
        "oauth_token_secret": options["oauthTokenSecret"],
        "keywords": list(options["keywords"]),
        "full_tweet": options["fullTweet"],
    }),))
