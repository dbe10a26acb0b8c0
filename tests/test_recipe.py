"""Guards the Recipe config tree: every shipped recipe loads, loading is strict (unknown
key, wrong type, bad value -> one ConfigError line naming the field), --set overrides are
validated the same way, the resolved YAML round-trips, and derived values are right."""

from __future__ import annotations

from pathlib import Path

import pytest

from distill.config import from_dict
from distill.errors import ConfigError
from distill.recipe import Recipe, derive, load_recipe, recipe_to_yaml

RECIPES = sorted((Path(__file__).resolve().parents[1] / "recipes").glob("*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_every_shipped_recipe_loads_and_round_trips(path):
    recipe = load_recipe(path)
    assert recipe.name == path.stem
    again = from_dict(Recipe, __import__("yaml").safe_load(recipe_to_yaml(recipe)))
    assert again == recipe


def test_shipped_recipes_exist():
    assert {p.stem for p in RECIPES} >= {
        "tictactoe",
        "tictactoe-smoke",
        "connect4",
        "connect4-smoke",
    }


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["selfplay.gamez=3"], "unknown key 'gamez' in selfplay; allowed keys: games_per_gen"),
        (["search.num_simulations=many"], "search.num_simulations: expected an integer"),
        (
            ["search.algorithm=alphabeta"],
            "search.algorithm: bad value 'alphabeta'; allowed values: puct, gumbel",
        ),
        (["learner.optimizer=adam"], "allowed values: adamw, sgd"),
        (["arena.references=random"], "arena.references: expected a list"),
        (["selfplay.full_search_fraction=0"], "selfplay: full_search_fraction must be in (0, 1]"),
        (["replay.augment=yes please"], "replay.augment: expected true or false"),
        (
            ["selfplay.actors=2", "selfplay.games_per_generation=8", "selfplay.concurrent_games=8"],
            "selfplay: actors (2) must be at most the rounds of a generation",
        ),
        (["budget=3"], "budget: expected a mapping"),
        (["nonsense"], "expected KEY=VALUE"),
    ],
)
def test_bad_values_name_the_field(tmp_path, overrides, expected):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n")
    with pytest.raises(ConfigError) as info:
        load_recipe(path, overrides)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_overrides_apply_and_parse_as_yaml(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\nsearch: {num_simulations: 64}\n")
    recipe = load_recipe(
        path,
        [
            "search.num_simulations=8",
            "selfplay.resign_threshold=-0.9",
            "arena.references=[random]",
            "domain.id=go",
            "domain.kwargs={size: 9}",
        ],
    )
    assert recipe.search.num_simulations == 8
    assert recipe.selfplay.resign_threshold == -0.9
    assert recipe.arena.references == ("random",)
    assert recipe.domain.kwargs == {"size": 9}


def test_a_recipe_must_name_a_domain_that_builds(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n")
    with pytest.raises(ConfigError, match="must name its game"):
        load_recipe(path)
    with pytest.raises(ConfigError, match="domain: unknown domain 'nosuch'"):
        load_recipe(path, ["domain.id=nosuch"])
    with pytest.raises(ConfigError, match=r"domain: go: size must be in 5\.\.19"):
        load_recipe(path, ["domain.id=go", "domain.kwargs={size: 25}"])
    with pytest.raises(ConfigError, match="seed must be >= 0"):
        load_recipe(path, ["domain.id=tictactoe", "seed=-1"])


def test_ownership_and_score_heads_need_a_domain_that_offers_them(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n")
    for head, offer in (("ownership", "ownership"), ("score", "final_score")):
        overrides = ["domain.id=tictactoe", f"network.heads.{head}=true"]
        with pytest.raises(ConfigError, match=f"heads.{head} needs a domain that offers {offer}"):
            load_recipe(path, overrides)
        go = ["domain.id=go", "domain.kwargs={size: 5}", f"network.heads.{head}=true"]
        assert getattr(load_recipe(path, go).network.heads, head)
    with pytest.raises(ConfigError, match="learner: loss weights must be >= 0"):
        load_recipe(path, ["domain.id=tictactoe", "learner.score_weight=-1"])
    with pytest.raises(ConfigError, match="unknown key 'temperature' in search"):
        load_recipe(path, ["domain.id=tictactoe", "search.temperature=1.0"])  # selfplay's


def test_a_score_utility_needs_the_score_head(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n")
    go = ["domain.id=go", "domain.kwargs={size: 5}", "search.score_utility_dynamic=0.2"]
    with pytest.raises(ConfigError, match=r"set network\.heads\.score: true"):
        load_recipe(path, go)
    recipe = load_recipe(path, [*go, "network.heads.score=true"])
    assert recipe.search.uses_score_utility and recipe.search.score_utility_dynamic == 0.2
    with pytest.raises(ConfigError, match="score_utility_static must be >= 0"):
        load_recipe(path, [*go, "network.heads.score=true", "search.score_utility_static=-1"])


def test_unknown_top_level_key_lists_sections(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: r\nsearh: {}\n")
    with pytest.raises(ConfigError, match="unknown key 'searh'; allowed keys: name, seed"):
        load_recipe(path)


def test_derived_values():
    recipe = from_dict(
        Recipe,
        {
            "selfplay": {"games_per_generation": 100, "concurrent_games": 32},
            "search": {"num_simulations": 50},
            "learner": {"steps_per_generation": 7},
            "budget": {"generations": 3},
        },
    )
    derived = derive(recipe)
    assert derived.games_per_round == 32
    assert derived.rounds_per_generation == 4  # 32 * 4 >= 100 (the last round plays 32)
    assert derived.arena_simulations == 50
    assert derived.total_learner_steps == 21
    assert not derived.resigning
    small = from_dict(
        Recipe,
        {
            "selfplay": {"games_per_generation": 8, "concurrent_games": 64},
            "arena": {"simulations": 5},
        },
    )
    assert derive(small).games_per_round == 8 and derive(small).rounds_per_generation == 1
    assert derive(small).arena_simulations == 5
