"""`make mutate`'s arithmetic: mutants are scored by package, equivalents apart, survivors named."""
from tests.mutation.mutate import PACKAGES, Score, equivalents, package_of, scores, stale


def test_mutants_belong_to_the_packages_with_a_goal():
    assert package_of("components.stages.kafka.x_plan__mutmut_3") == "components/stages"
    assert package_of("components.host.x_stage_commands__mutmut_1") == "components/host.py"
    assert package_of("components.settings.parse.x_parse__mutmut_9") == "components/settings"
    assert {package_of(f"{p.replace('/', '.').removesuffix('.py')}.m.x_f__mutmut_1") for p in PACKAGES} == set(PACKAGES)


def test_a_score_counts_kills_and_timeouts_against_survivors_and_leaves_equivalents_out():
    results = {"components.stages.a.x_f__mutmut_1": 1, "components.stages.a.x_f__mutmut_2": 0,
               "components.stages.a.x_f__mutmut_3": 0, "components.stages.a.x_f__mutmut_4": 36,
               "components.stages.a.x_f__mutmut_5": None}
    by_package, survivors = scores(results, {"components.stages.a.x_f__mutmut_3": "why"})
    assert by_package["components/stages"] == Score(killed=1, survived=1, equivalent=1, timeout=1, other=1)
    assert by_package["components/stages"].ratio == 2 / 3
    assert survivors == ["components.stages.a.x_f__mutmut_2"]


def test_every_listed_equivalent_gives_its_reason():
    assert equivalents() and all(reason for reason in equivalents().values())


def test_an_equivalent_the_tests_kill_or_mutmut_no_longer_makes_is_named_stale():
    results = {"components.stages.a.x_f__mutmut_1": 0, "components.stages.a.x_f__mutmut_2": 1,
               "components.stages.a.x_f__mutmut_3": 24}
    known = {f"components.stages.a.x_f__mutmut_{n}": "why" for n in (1, 2, 3, 4)} | {
        "components.settings.b.x_g__mutmut_1": "a package this run did not mutate"}
    assert stale(results, known) == ["components.stages.a.x_f__mutmut_2", "components.stages.a.x_f__mutmut_3",
                                     "components.stages.a.x_f__mutmut_4"]
