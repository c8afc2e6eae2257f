"""The rehearsal's books are kept by identity, and Logstash's start-up is read from its journal."""
from tests.rehearsal import hosts


def test_an_event_stored_without_acknowledgement_does_not_hide_a_lost_acknowledged_one():
    acked = {("reboot", "0"), ("reboot", "1")}
    # The topic holds 0 and an unacknowledged 2 (sent as the broker went down): as many as acknowledged,
    # yet 1 is lost.
    in_topic = [("reboot", "0"), ("reboot", "2")]
    ends = {("twitter", 0): 2}
    books = hosts.books(acked, in_topic, ends, printed=[("twitter", 0, 0), ("twitter", 0, 1)])
    assert (books.acked, books.acked_lost, books.lost) == (2, 1, 1)


def test_stored_events_the_sink_never_printed_are_lost_and_reprints_are_counted():
    ends = {("twitter", 0): 3, ("twitter", 1): 1}
    printed = [("twitter", 0, 0), ("twitter", 0, 0), ("twitter", 0, 2), ("twitter", 1, 0)]
    books = hosts.books(set(), [], ends, printed)
    assert (books.stored, books.received, books.missing, books.duplicates, books.lost) == (4, 3, 1, 1, 1)
    assert books.gaps == "twitter/0: 1"


def test_unprinted_events_are_named_as_runs_of_offsets():
    places = {("t", 0, o) for o in (5, 6, 7, 9)} | {("t", 1, 0)}
    assert hosts.gaps(places) == "t/0: 5-7, t/0: 9, t/1: 0"
    assert hosts.gaps({("t", 0, o) for o in range(0, 20, 2)}, most=2) == "t/0: 0, t/0: 2, ... (8 more runs)"
    assert hosts.gaps(set()) == ""


def test_identities_of_probe_generator_and_other_events_differ():
    assert hosts.identity({"probe": "r", "seq": 3, "@timestamp": "t"}) == ("r", "3")
    assert hosts.identity({"sequence": 3, "@timestamp": "t"}) == ("t", "3")
    canary = {"message": "kafka-pipeline smoke canary", "@timestamp": "t"}
    assert hosts.identity(canary) != hosts.identity({**canary, "@timestamp": "u"})


def test_an_event_without_a_sequence_is_the_same_printed_by_rubydebug_or_stored_as_json():
    from tests.integration.logstash import rubydebug_events
    stored = {"@timestamp": "2026-12-06T01:02:03.456Z", "@version": "1", "tags": ["_http_request_failure"],
              "http_request_failure": {"name": "feed", "error": "404"}}
    stored["message"] = "<html>\n<p>404</p>\n</html>\n"
    printed = rubydebug_events('{\n    "@timestamp" => 2026-12-06T01:02:03.456Z,\n    "@version" => "1",\n'
                               '    "message" => "<html>\n<p>404</p>\n</html>\n",\n'
                               '    "http_request_failure" => {\n        "name" => "feed",\n        "error" => "404"\n'
                               '    },\n    "tags" => [\n        [0] "_http_request_failure"\n    ]\n}\n')
    assert hosts.identity(printed[0]) == hosts.identity(stored)


JOURNAL = """\
1796180400.100000 systemd[1]: Started logstash.service - Logstash (kafka-pipeline).
1796180401.000000 logstash[80]: Using bundled JDK: /opt/logstash/jdk
1796180423.600000 logstash[80]: [2026-12-02T03:00:23,600][INFO ][logstash.agent] Pipelines running {:count=>1, :running_pipelines=>[:main], :non_running_pipelines=>[]}
1796180500.000000 systemd[1]: Stopping logstash.service - Logstash (kafka-pipeline)...
1796180510.000000 systemd[1]: Started logstash.service - Logstash (kafka-pipeline).
1796180530.250000 logstash[95]: [2026-12-02T03:02:10,250][INFO ][logstash.agent] Pipelines running {:count=>1, :running_pipelines=>[:main], :non_running_pipelines=>[]}
1796180600.000000 systemd[1]: Started logstash.service - Logstash (kafka-pipeline).
"""


def test_startups_pair_each_unit_start_with_its_pipelines_running():
    assert [round(s, 2) for s in hosts.startups(JOURNAL)] == [23.5, 20.25]


class Journal:
    """A consumer host whose journal shows one more printed event at each read, up to `upto`."""

    def __init__(self, upto: int, start: int = 0):
        self.upto, self.shown = upto, start

    def run(self, command: str) -> str:
        assert command.startswith("sudo journalctl -u logstash")
        text = "".join(f'{{\n  "offset" => {o},\n  "partition" => 0,\n  "topic" => "twitter"\n}}\n'
                       for o in range(self.shown))
        self.shown = min(self.shown + 1, self.upto)
        return text


def test_the_books_wait_for_the_sink_to_print_what_the_group_has_committed():
    from tests.rehearsal.scenario import printed_once_settled
    expected = hosts.stored({("twitter", 0): 3})
    printed = printed_once_settled(Journal(upto=3), expected, quiet_s=5, poll_s=0)
    assert set(printed) == expected


def test_an_event_the_sink_never_prints_stays_missing_once_it_goes_quiet():
    from tests.rehearsal.scenario import printed_once_settled
    expected = hosts.stored({("twitter", 0): 3})
    printed = printed_once_settled(Journal(upto=2), expected, quiet_s=0.05, poll_s=0.01)
    assert expected - set(printed) == {("twitter", 0, 2)}
