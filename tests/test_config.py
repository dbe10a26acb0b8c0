"""Guards strict recipe loading: unknown keys, wrong types, bad literal values and
--set overrides each give one error naming the field; YAML is loaded safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from distill.config import apply_overrides, dump_yaml, from_dict, load_yaml
from distill.errors import ConfigError


@dataclass(frozen=True)
class Search:
    """Test config."""

    algorithm: Literal["puct", "gumbel"] = "puct"
    num_simulations: int = 32
    temperature: float = 1.0
    sizes: tuple[int, ...] = (9,)
    fpu: float | None = None

    def __post_init__(self) -> None:
        if self.num_simulations < 1:
            raise ValueError(f"num_simulations must be >= 1, got {self.num_simulations}")


@dataclass(frozen=True)
class Recipe:
    """Test config."""

    name: str = "run"
    search: Search = field(default_factory=Search)


def test_loads_nested_values_and_converts_ints_to_floats():
    r = from_dict(Recipe, {"search": {"num_simulations": 8, "temperature": 1, "sizes": [7, 9]}})
    assert r.search == Search(num_simulations=8, temperature=1.0, sizes=(7, 9))
    assert isinstance(r.search.temperature, float)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"serch": {}}, "unknown key 'serch'; allowed keys: name, search"),
        ({"search": {"bogus": 1}}, "unknown key 'bogus' in search"),
        ({"search": {"num_simulations": "many"}}, "search.num_simulations: expected an integer"),
        ({"search": {"num_simulations": True}}, "search.num_simulations: expected an integer"),
        ({"search": {"algorithm": "alphabeta"}}, "allowed values: puct, gumbel"),
        ({"search": {"fpu": "x"}}, "search.fpu: expected a number"),
        ({"search": {"temperature": "fast"}}, "search.temperature: expected a number"),
        ({"search": {"temperature": "1e"}}, "search.temperature: expected a number"),
        ({"search": {"temperature": "3"}}, "search.temperature: expected a number"),
        ({"search": {"sizes": 9}}, "search.sizes: expected a list"),
        ({"search": {"sizes": [9, "x"]}}, "search.sizes[1]: expected an integer"),
        ({"search": {"num_simulations": 0}}, "search: num_simulations must be >= 1"),
        ({"search": 3}, "search: expected a mapping"),
    ],
)
def test_bad_values_name_the_field(data, message):
    with pytest.raises(ConfigError) as info:
        from_dict(Recipe, data)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_yaml_12_exponent_floats_are_numbers(tmp_path):
    """PyYAML (YAML 1.1) reads ``3e-3`` as a string; number fields take it as YAML 1.2 does."""
    path = tmp_path / "r.yaml"
    path.write_text("search:\n  temperature: 3e-3\n  fpu: -1E+2\n")
    data = load_yaml(path)
    assert data["search"]["temperature"] == "3e-3"  # what PyYAML hands over
    search = from_dict(Recipe, data).search
    assert search.temperature == 0.003 and search.fpu == -100.0
    data = apply_overrides({}, ["search.temperature=1.5e2"])
    assert from_dict(Recipe, data).search.temperature == 150.0
    with pytest.raises(ConfigError, match="name: expected a string"):
        from_dict(Recipe, {"name": 3e-3})  # strings stay strings; only numbers are widened


def test_overrides_are_parsed_as_yaml_and_validated():
    data = apply_overrides({"search": {"num_simulations": 4}}, ["search.num_simulations=64"])
    assert from_dict(Recipe, data).search.num_simulations == 64
    data = apply_overrides({}, ["search.algorithm=gumbel", "name=x"])
    assert from_dict(Recipe, data).search.algorithm == "gumbel"
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        apply_overrides({}, ["search.num_simulations"])
    with pytest.raises(ConfigError, match="'name' is not a section"):
        apply_overrides({"name": "x"}, ["name.sub=1"])


def test_overrides_do_not_mutate_the_input():
    original = {"search": {"num_simulations": 4}}
    apply_overrides(original, ["search.num_simulations=5"])
    assert original == {"search": {"num_simulations": 4}}


def test_yaml_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("search:\n  num_simulations: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+"):
        load_yaml(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_yaml(tmp_path / "missing.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_yaml(listing)


def test_yaml_is_loaded_safely(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_yaml(evil)


def test_duplicate_keys_are_an_error_naming_key_and_line(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text("search:\n  num_simulations: 8\n  c_init: 1.0\n  num_simulations: 64\n")
    with pytest.raises(ConfigError, match=r"twice.yaml: line 4, .*duplicate key 'num_simulations'"):
        load_yaml(twice)
    merged = tmp_path / "merged.yaml"  # overriding a key pulled in by `<<` stays legal
    merged.write_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n")
    assert load_yaml(merged)["other"] == {"x": 3, "y": 2}


def test_dump_round_trips(tmp_path):
    recipe = from_dict(Recipe, {"search": {"algorithm": "gumbel", "sizes": [5, 7]}})
    path = tmp_path / "resolved.yaml"
    path.write_text(dump_yaml(recipe))
    assert from_dict(Recipe, load_yaml(path)) == recipe
