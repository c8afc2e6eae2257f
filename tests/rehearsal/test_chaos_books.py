"""The chaos books, by identity: what was acknowledged against what each partition holds, in order."""
from __future__ import annotations

from tests.rehearsal.chaos import Fault, Result, probe_books
from tests.rehearsal.hosts import Books


def test_nothing_lost_duplicated_or_reordered_is_clean():
    books = probe_books({0, 1, 2, 3}, {0: [0, 2], 1: [1, 3]})
    assert (books.lost, books.duplicated, books.out_of_order, books.stored_unacked) == (0, 0, 0, 0)


def test_a_stored_unacknowledged_event_never_hides_a_lost_acknowledged_one():
    # 3 acknowledged, 3 stored: a count would see nothing wrong.
    books = probe_books({0, 1, 2}, {0: [0, 1, 7]})
    assert (books.lost, books.stored_unacked) == (1, 1)


def test_a_duplicate_and_a_reordering_within_a_partition_are_counted():
    books = probe_books({0, 1, 2}, {0: [0, 2, 1], 1: [2]})
    assert books.duplicated == 1 and books.out_of_order == 1 and books.lost == 0


def test_order_is_judged_per_partition_not_across_them():
    assert probe_books({0, 1, 2, 3}, {0: [1, 3], 1: [0, 2]}).out_of_order == 0


def _result(probe, pipeline) -> Result:
    return Result(7, [Fault("kill-broker", "broker-2", 31.0, 12.0)], {"lab": probe}, {"lab": pipeline}, 5.0, 9.0)


def test_the_run_fails_on_any_acknowledged_loss_or_unprinted_stored_event():
    clean_pipeline = Books(acked=0, acked_lost=0, stored=10, received=10, duplicates=2, missing=0)
    assert _result(probe_books({0, 1}, {0: [0, 1]}), clean_pipeline).ok
    assert not _result(probe_books({0, 1}, {0: [0]}), clean_pipeline).ok
    unprinted = Books(acked=0, acked_lost=0, stored=10, received=9, duplicates=0, missing=1)
    assert not _result(probe_books({0, 1}, {0: [0, 1]}), unprinted).ok


def test_the_report_names_the_seed_each_fault_and_its_recovery():
    text = str(_result(probe_books({0, 1}, {0: [0, 1]}),
                       Books(acked=0, acked_lost=0, stored=10, received=10, duplicates=0, missing=0)))
    assert text.startswith("chaos (seed 7): 1 faults (kill-broker 1)")
    assert "worst recovery: leader moved 0s, cluster whole 12s, consumers caught up 0s" in text.splitlines()[0]
    assert "kill-broker" in text.splitlines()[1] and "whole after 12s" in text.splitlines()[1]


def test_faults_come_from_a_seeded_deck_that_holds_every_kind_once_a_round():
    from tests.rehearsal.chaos import BROKER_FAULTS, LOGSTASH_FAULTS, Chaos

    def kinds(seed: int) -> list[str]:
        chaos = Chaos({}, {}, "127.0.0.1:9", seed)
        return [chaos._next_kind() for _ in range(10)]

    every = sorted(BROKER_FAULTS + LOGSTASH_FAULTS)
    for seed in (1, 2, 3):
        drawn = kinds(seed)
        assert sorted(drawn[:5]) == every and sorted(drawn[5:]) == every
    assert kinds(7) == kinds(7) and kinds(7) != kinds(8)


def test_leadership_has_moved_only_when_every_partition_the_broker_led_has_another_leader():
    from tests.rehearsal.chaos import led_by, leadership_moved

    before = {"t": {0: (2, [1, 2, 3], [1, 2, 3]), 1: (1, [1, 2, 3], [1, 2, 3]), 2: (2, [1, 2, 3], [1, 2, 3])}}
    led = led_by(before, 2)
    assert led == {("t", 0), ("t", 2)}
    one_moved = {"t": {0: (3, [1, 2, 3], [1, 3]), 1: (1, [1, 2, 3], [1, 3]), 2: (2, [1, 2, 3], [1, 2, 3])}}
    leaderless = {"t": {0: (3, [1, 2, 3], [1, 3]), 1: (1, [1, 2, 3], [1, 3]), 2: (-1, [1, 2, 3], [])}}
    both_moved = {"t": {0: (3, [1, 2, 3], [1, 3]), 1: (1, [1, 2, 3], [1, 3]), 2: (1, [1, 2, 3], [1, 3])}}
    assert not leadership_moved(one_moved, led, 2)
    assert not leadership_moved(leaderless, led, 2)
    assert leadership_moved(both_moved, led, 2)
    assert not leadership_moved({}, led, 2), "a topic the cluster no longer reports has no leader"


def test_a_group_has_caught_up_when_it_committed_past_every_end_taken_at_the_fault():
    from tests.rehearsal.scenario import caught_up

    ends = {("t", 0): 10, ("t", 1): 4}
    assert caught_up({("t", 0): 10, ("t", 1): 7}, ends)
    assert not caught_up({("t", 0): 9, ("t", 1): 7}, ends)
    assert not caught_up({("t", 0): 12}, ends), "a partition never committed is not caught up"


def test_each_fault_line_reports_leader_moved_whole_and_caught_up():
    broker = Fault("kill-controller", "broker-1", 61.0, 11.0, leader_moved_s=4.0, caught_up_s=9.0,
                   led=frozenset({("t", 0)}))
    assert "leader moved after 4s; whole after 11s; consumers caught up after 9s" in broker.line()
    idle = Fault("kill-broker", "broker-3", 91.0, 8.0, led=frozenset())
    assert "led no partition" in idle.line() and "consumers not seen catching up" in idle.line()
    logstash = Fault("reboot-logstash", "consumer", 121.0, caught_up_s=40.0)
    assert logstash.line().split("consumer ", 1)[1].strip() == "consumers caught up after 40s"
