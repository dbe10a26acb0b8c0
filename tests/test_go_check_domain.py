"""Guards that Go passes the shipped conformance checker `distill.testing.check_domain`
on 9x9 and 19x19 with the default rules, and on small boards with the other rule
options (situational superko with suicide; simple ko with setup stones, white first)."""

from __future__ import annotations

import pytest

import distill
from distill.testing import check_domain


@pytest.mark.parametrize(
    ("kwargs", "games"),
    [
        ({"size": 9}, 3),
        ({"size": 19}, 1),
        ({"size": 5, "superko": "situational", "allow_suicide": True}, 5),
        (
            {
                "size": 7,
                "superko": "simple",
                "komi": -3,
                "black_stones": ["D4"],
                "first_player": "white",
            },
            3,
        ),
    ],
)
def test_go_passes_check_domain(kwargs, games):
    report = check_domain(distill.make("go", **kwargs), games=games, seed=0)
    assert report.games == games
