"""Guards multi-size Go (`distill.domains.go.sizes`, `distill.domains.go.padded`): every
size in the padded frame passes the domain checker and plays the plain board's game move
for move; one net evaluates a 9x9 position identically padded into 19x19 or alone
(masking is exact, padding gets ILLEGAL_LOGIT); self-play draws sizes per game; recipes
with `domain.sizes` validate; go19-smoke's shards hold games of every size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import distill
from distill.domains.go.sizes import board_action, frame_action
from distill.errors import ConfigError, MoveParseError
from distill.flywheel.selfplay import reset_games
from distill.inference import NetEvaluator
from distill.logits import ILLEGAL_LOGIT
from distill.nets import HeadsConfig, NetConfig, ResNetConfig, build_net
from distill.testing import check_domain

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def sizes_domain():
    return distill.make("go", sizes=[9, 13, 19], max_moves=60)


def test_every_size_passes_the_checker(sizes_domain):
    assert [v.rules.size for v in sizes_domain.variants] == [9, 13, 19]
    assert sizes_domain is sizes_domain.variants[0]
    for variant in sizes_domain.variants:
        assert variant.obs_shape == (21, 19, 19) and variant.num_actions == 362
        assert variant.state_size == sizes_domain.state_size
        check_domain(variant, games=2, seed=1)


def play_both(padded, size: int, moves: int, seed: int):
    """Random legal moves on the plain board and, mapped into the frame, on the padded one."""
    plain = distill.make("go", size=size, max_moves=60)
    rng = np.random.default_rng(seed)
    ps, fs = plain.new_store(1), padded.new_store(1)
    plain.reset(ps, [0])
    padded.reset(fs, [0])
    for _ in range(moves):
        mask = plain.legal_mask(ps, [0])[0]
        frame_mask = padded.legal_mask(fs, [0])[0]
        legal = np.flatnonzero(mask)
        assert sorted(frame_action(a, size, 19) for a in legal) == list(np.flatnonzero(frame_mask))
        a = int(rng.choice(legal))
        plain.step(ps, [0], ps, [0], [a])
        padded.step(fs, [0], fs, [0], [frame_action(a, size, 19)])
    return plain, ps, fs


@pytest.mark.parametrize("size", [9, 13])
def test_padded_game_is_the_plain_game(sizes_domain, size):
    padded = next(v for v in sizes_domain.variants if v.rules.size == size)
    plain, ps, fs = play_both(padded, size, moves=40, seed=size)
    obs_plain, obs_frame = plain.encode(ps, [0])[0], padded.encode(fs, [0])[0]
    np.testing.assert_array_equal(obs_frame[:, :size, :size], obs_plain)
    assert not obs_frame[:, size:, :].any() and not obs_frame[:, :, size:].any()
    assert plain.terminal(ps, [0])[1] == padded.terminal(fs, [0])[1]
    own = padded.ownership(fs[0])
    np.testing.assert_array_equal(own[:size, :size], plain.ownership(ps[0]))
    assert not own[size:].any() and not own[:, size:].any()


def test_move_names_are_the_boards_own(sizes_domain):
    nine = sizes_domain  # 9x9 in the 19x19 frame
    assert nine.format_action(0) == "A9" and nine.parse_action("A9") == 0
    assert nine.format_action(19 * 8 + 8) == "J1" and nine.format_action(361) == "pass"
    assert nine.format_action(9) == "#9" and nine.parse_action("#9") == 9
    with pytest.raises(MoveParseError):
        nine.parse_action("#8")  # on the board: it has a vertex name
    assert board_action(19 * 8 + 8, 9, 19) == 80
    with pytest.raises(MoveParseError):
        board_action(9, 9, 19)


def test_one_net_evaluates_a_9x9_position_identically_padded_or_not(sizes_domain):
    """The same weights on the 9x9 board alone and inside the 19x19 frame (mask plane 0)."""
    plain, ps, fs = play_both(sizes_domain, 9, moves=25, seed=3)
    config = NetConfig(
        resnet=ResNetConfig(channels=16, blocks=3, global_pool_every=2, global_pool_channels=4),
        heads=HeadsConfig(policy_channels=8, value_channels=8, ownership=True, score=True),
        mask_plane=0,
    )
    torch.manual_seed(0)
    net = build_net(config, (21, 19, 19), 362).eval()
    evaluator = NetEvaluator(net)
    obs_p, obs_f = plain.encode(ps, [0]), sizes_domain.encode(fs, [0])
    logits_p, value_p = evaluator(obs_p, plain.legal_mask(ps, [0]))
    logits_f, value_f = evaluator(obs_f, sizes_domain.legal_mask(fs, [0]))
    frame = [frame_action(a, 9, 19) for a in range(82)]
    np.testing.assert_allclose(logits_f[0, frame], logits_p[0], rtol=1e-5, atol=1e-5)
    off = np.setdiff1d(np.arange(362), frame)
    assert (logits_f[0, off] == ILLEGAL_LOGIT).all()
    np.testing.assert_allclose(value_f, value_p, rtol=1e-5, atol=1e-6)
    raw = net(torch.from_numpy(obs_f))["policy_logits"][0].detach().numpy()
    assert (raw[off] == ILLEGAL_LOGIT).all()  # the head itself, before legal masking
    aux_p, aux_f = evaluator.auxiliary(obs_p), evaluator.auxiliary(obs_f)
    np.testing.assert_allclose(aux_f["score"], aux_p["score"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        aux_f["ownership"][0, :9, :9], aux_p["ownership"][0], rtol=1e-5, atol=1e-6
    )


def test_self_play_draws_a_size_per_game(sizes_domain):
    store = sizes_domain.new_store(61)
    reset_games(sizes_domain, store, 60, np.random.default_rng(0))
    sizes = store[:, 0]  # layout.SIZE
    assert sizes[60] == 0  # rows past `count` are left alone
    counts = {n: int((sizes[:60] == n).sum()) for n in (9, 13, 19)}
    assert all(c > 10 for c in counts.values()), counts
    again = sizes_domain.new_store(61)
    reset_games(sizes_domain, again, 60, np.random.default_rng(0))
    np.testing.assert_array_equal(store, again)


def test_sizes_arguments_are_checked():
    for bad in ([], [4], [9, 20], ["9"], [9.0]):
        with pytest.raises(ConfigError, match="sizes"):
            distill.make("go", sizes=bad)
    with pytest.raises(ConfigError, match="sizes cannot be combined"):
        distill.make("go", size=9, sizes=[9, 13])
