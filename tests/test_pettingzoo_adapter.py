"""Guards the PettingZoo -> distill adapter (``distill.make("pettingzoo:<env>")``).

Metadata read from the spaces; the sign convention and the mover's-view planes;
clones that are faithful and independent (state copies and history replay, which
PettingZoo's EzPickle-based deepcopy is not); the move cap; clear errors for envs
that do not fit; the shipped checker on the wrapped envs; and a cross-check: the
same seeded random games through the adapter and through our kernel domains give
identical legal masks, observations and outcomes at every move.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import AECEnv

import distill
from distill.errors import DistillError
from distill.pettingzoo.adapter import PettingZooGame, copy_env, make_pettingzoo_domain
from distill.testing import check_domain

# tictactoe_v3 numbers its squares column-major (its docs and its render draw square s
# at column s // 3, row s % 3); ours are row-major. Our cell r*3 + c is its c*3 + r.
TTT_TO_PZ = np.array([c * 3 + r for r in range(3) for c in range(3)], dtype=np.int64)


def _new_game(domain: distill.PythonDomain) -> PettingZooGame:
    game = domain.factory()
    assert isinstance(game, PettingZooGame)
    return game


@pytest.fixture(scope="module")
def pz_ttt() -> distill.PythonDomain:
    return make_pettingzoo_domain("tictactoe_v3")


@pytest.fixture(scope="module")
def pz_c4() -> distill.PythonDomain:
    return make_pettingzoo_domain("connect_four_v3")


def test_metadata_comes_from_the_spaces(pz_ttt, pz_c4):
    assert (pz_ttt.num_actions, pz_ttt.obs_shape, pz_ttt.board_shape) == (9, (2, 3, 3), (3, 3))
    assert (pz_c4.num_actions, pz_c4.obs_shape, pz_c4.board_shape) == (7, (2, 6, 7), (6, 7))
    assert (pz_ttt.max_moves, pz_c4.max_moves) == (9, 42)
    assert pz_c4.action_perms.shape == (1, 7) and pz_c4.cell_perms.shape == (1, 42)
    assert pz_ttt.kernel_module is None


def test_win_is_minus_one_for_the_player_to_move(pz_c4):
    pos = pz_c4.initial().play_all([0, 1, 0, 1, 0, 1, 0])  # four in column 0
    assert pos.is_over and pos.to_play == 1 and pos.value == -1.0
    assert not pos.legal_mask().any()


def test_observation_is_channels_first_from_the_movers_view(pz_c4):
    pos = pz_c4.initial().play(3)  # first stone drops to the bottom row, column 3
    obs = pos.observe()
    assert obs.dtype == np.float32 and obs.shape == (2, 6, 7)
    assert obs[0].sum() == 0 and obs[1, 5, 3] == 1.0  # the opponent's stone, for player 1


@pytest.mark.parametrize("mode", ["copy", "replay"])
def test_clones_are_faithful_and_independent(mode):
    domain = make_pettingzoo_domain("connect_four_v3", clone=mode)
    game = _new_game(domain)
    for action in [3, 3, 4]:
        game.step(action)
    twin = game.clone()
    assert isinstance(twin, PettingZooGame) and twin.setup.clone == mode
    assert np.array_equal(twin.observe(), game.observe()) and twin.history == game.history
    twin.step(5)
    assert game.history == [3, 3, 4] and twin.history == [3, 3, 4, 5]
    assert game.observe().sum() == 3 and twin.observe().sum() == 4
    assert game.to_play() == 1 and twin.to_play() == 0


def test_copy_env_keeps_the_state_that_deepcopy_drops():
    game = _new_game(make_pettingzoo_domain("tictactoe_v3"))
    game.step(4)
    twin_env = copy_env(game.env)
    assert twin_env.unwrapped.board.squares == game.env.unwrapped.board.squares
    twin_env.step(0)
    assert game.env.unwrapped.board.squares[0] == 0  # the original did not move


def test_auto_clone_probe_picks_state_copies_for_classic_envs(pz_ttt, pz_c4):
    assert _new_game(pz_ttt).setup.clone == _new_game(pz_c4).setup.clone == "copy"


def test_go_clones_by_copy_and_by_replay_agree():
    rng = np.random.default_rng(3)
    by_copy = _new_game(make_pettingzoo_domain("go_v5", board_size=5, clone="copy"))
    by_replay = _new_game(make_pettingzoo_domain("go_v5", board_size=5, clone="replay"))
    for _ in range(12):
        action = int(rng.choice(np.flatnonzero(by_copy.legal_mask())))
        by_copy.step(action)
        by_replay.step(action)
    a, b = by_copy.clone(), by_replay.clone()
    assert np.array_equal(a.observe(), b.observe())
    assert np.array_equal(a.legal_mask(), b.legal_mask())
    a.step(25)  # pass
    assert by_copy.to_play() == by_replay.to_play() != a.to_play()


def test_move_cap_ends_the_game_as_a_draw():
    domain = distill.make("pettingzoo:connect_four_v3", max_moves=3)
    pos = domain.initial().play_all([0, 1, 2])
    assert pos.is_over and pos.value == 0.0 and not pos.legal_mask().any()


@pytest.mark.parametrize("name", ["connect_four", "classic/connect_four-v3"])
def test_unversioned_names_and_registry_ids_resolve(name):
    assert make_pettingzoo_domain(name).num_actions == 7


def test_module_attr_path_names_an_env_factory():
    domain = distill.make("pettingzoo:pettingzoo.classic.connect_four.connect_four:env")
    assert domain.num_actions == 7 and domain.name.endswith("connect_four:env")


@pytest.mark.parametrize(
    ("domain_id", "fragment"),
    [
        ("pettingzoo:checkers_v1", "unknown PettingZoo env 'checkers_v1'; known board games: "),
        ("pettingzoo:connect_four_v2", "Available version: v3"),
        ("pettingzoo:rps_v2", "observations must be dicts with 'observation' and 'action_mask'"),
        ("pettingzoo:leduc_holdem_v4", "observation shape (36,) is not a board"),
        ("pettingzoo:no.such.module:env", "cannot import 'no.such.module:env'"),
        (f"pettingzoo:{__name__}:three_agents", "has 3 agents"),
        (f"pettingzoo:{__name__}:simultaneous", "not turn-based: agent 'b_0' has legal actions"),
    ],
)
def test_envs_that_do_not_fit_raise_clear_errors(domain_id, fragment):
    with pytest.raises(DistillError) as info:
        distill.make(domain_id)
    assert fragment in str(info.value)


def test_unknown_env_lists_known_ones_and_bad_kwargs_are_named():
    with pytest.raises(DistillError, match="pettingzoo:connect_four_v3"):
        distill.make("pettingzoo:checkers_v1")
    with pytest.raises(DistillError, match="cannot create the env"):
        distill.make("pettingzoo:connect_four_v3", board_size=9)
    with pytest.raises(DistillError, match="clone must be auto, copy or replay"):
        distill.make("pettingzoo:connect_four_v3", clone="pickle")


@pytest.mark.parametrize(("domain_id", "games"), [("tictactoe_v3", 12), ("connect_four_v3", 5)])
def test_wrapped_envs_pass_the_shipped_checker(domain_id, games):
    report = check_domain(distill.make(f"pettingzoo:{domain_id}"), games=games, seed=1)
    assert report.games == games and report.states > games


# -- cross-check against our kernel domains --------------------------------------------


def _crosscheck(kernel_id: str, pz_id: str, to_pz: np.ndarray, games: int) -> list[int]:
    """Play seeded random games through both; returns outcome counts (X wins, O wins, draws)."""
    ours, theirs = distill.make(kernel_id), distill.make(pz_id)
    transpose = kernel_id == "tictactoe"  # column-major squares -> planes are [col, row]
    rng = np.random.default_rng(2024)
    outcomes = [0, 0, 0]
    for _ in range(games):
        a, b = ours.initial(), theirs.initial()
        while True:
            where = f"{kernel_id} after {a.history}"
            assert np.array_equal(b.legal_mask()[to_pz], a.legal_mask()), where
            assert (a.is_over, a.to_play) == (b.is_over, b.to_play), where
            planes = a.observe().transpose(0, 2, 1) if transpose else a.observe()
            assert np.array_equal(planes, b.observe()), where
            if a.is_over:
                break
            action = int(rng.choice(a.legal_actions()))
            a.play(action)
            b.play(int(to_pz[action]))
        assert a.value == b.value, where
        outcomes[2 if a.value == 0 else (a.to_play if a.value > 0 else 1 - a.to_play)] += 1
    return outcomes


def test_crosscheck_tictactoe_with_pettingzoo():
    outcomes = _crosscheck("tictactoe", "pettingzoo:tictactoe_v3", TTT_TO_PZ, games=60)
    assert min(outcomes) > 0  # both sides won some games and some were drawn


def test_crosscheck_connect4_with_pettingzoo():
    outcomes = _crosscheck("connect4", "pettingzoo:connect_four_v3", np.arange(7), games=25)
    assert outcomes[0] > 0 and outcomes[1] > 0


# -- fake envs for the error tests (reached through "pettingzoo:<this module>:<name>") ----


class _FakeBoardEnv(AECEnv):  # type: ignore[misc]
    """A 2x2 board env; only the agent to move has legal actions unless `everyone_moves`."""

    metadata: ClassVar[dict[str, str]] = {"name": "fake_board_v0"}

    def __init__(self, agents: tuple[str, ...], everyone_moves: bool) -> None:
        super().__init__()
        self.possible_agents = list(agents)
        self.everyone_moves = everyone_moves
        board = spaces.Box(0, 1, (2, 2, 1), np.int8)
        mask = spaces.Box(0, 1, (4,), np.int8)
        self._obs_space = spaces.Dict({"observation": board, "action_mask": mask})
        self._act_space = spaces.Discrete(4)

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.agent_selection = self.agents[0]
        self.rewards = dict.fromkeys(self.agents, 0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos: dict[str, dict] = {a: {} for a in self.agents}

    def observe(self, agent):
        can_move = self.everyone_moves or agent == self.agent_selection
        return {
            "observation": np.zeros((2, 2, 1), np.int8),
            "action_mask": np.full(4, int(can_move), np.int8),
        }

    def step(self, action):
        raise AssertionError("the adapter should reject this env before playing")


def three_agents() -> _FakeBoardEnv:
    return _FakeBoardEnv(("a_0", "b_0", "c_0"), everyone_moves=False)


def simultaneous() -> _FakeBoardEnv:
    return _FakeBoardEnv(("a_0", "b_0"), everyone_moves=True)
