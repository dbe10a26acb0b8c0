"""Guards `distill.search.symmetric.SymmetricEvaluator` on Go positions with a net that
is not symmetric (random weights): averaged over all of the board's symmetries it is
exactly equivariant (a position and its rotation get the same value, ownership and
score, and each other's moved policy), its policy is the mean of the images'
probabilities; one random symmetry gives one image's answer mapped back, chosen by the
position and not by the batch around it; illegal moves stay illegal; counts the board
has not are refused. (The ``run:`` option and ``distill ladder --symmetries``:
tests/test_go_run_player.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import distill
from distill.errors import ConfigError
from distill.inference import NetEvaluator
from distill.logits import ILLEGAL_LOGIT
from distill.nets import HeadsConfig, NetConfig, ResNetConfig, build_net
from distill.search.symmetric import SymmetricEvaluator
from distill.symmetry import apply_symmetry

pytestmark = pytest.mark.usefixtures("one_torch_thread")

GO = distill.make("go", size=5, komi=7.5)


@pytest.fixture(scope="module")
def evaluator() -> NetEvaluator:
    torch.manual_seed(0)
    config = NetConfig(
        resnet=ResNetConfig(channels=8, blocks=1, global_pool_every=0),
        heads=HeadsConfig(
            policy_channels=4, value_channels=4, value_hidden=8, ownership=True, score=True
        ),
    )
    return NetEvaluator(build_net(config, GO.obs_shape, GO.num_actions))


def positions(count: int = 4, plies: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """obs float32[count, C, 5, 5] and mask bool[count, A] of random Go positions."""
    rng = np.random.default_rng(3)
    obs, masks = [], []
    for _ in range(count):
        position = GO.initial()
        for _ in range(plies):
            legal = np.flatnonzero(position.legal_mask()[:-1])  # no passes
            position.play(int(rng.choice(legal)))
        obs.append(position.observe())
        masks.append(position.legal_mask())
    return np.stack(obs).astype(np.float32), np.stack(masks)


def image(obs: np.ndarray, mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions under symmetry k (obs and mask moved as the learner's augmentation)."""
    moved_obs, moved_mask = apply_symmetry(obs, mask, GO.cell_perms[k], GO.action_perms[k])
    return moved_obs, moved_mask.astype(np.bool_)


def test_the_mean_of_all_symmetries_is_equivariant(evaluator: NetEvaluator) -> None:
    obs, mask = positions()
    _, plain_value = evaluator(obs, mask)
    plain_moved = evaluator(*image(obs, mask, 5))
    assert not np.allclose(plain_value, plain_moved[1], atol=1e-4)  # the net alone is not
    wrapped = SymmetricEvaluator.for_domain(evaluator, GO, 8)
    logits, value = wrapped(obs, mask)
    assert logits.shape == mask.shape and logits.dtype == np.float32
    assert np.all(logits[~mask] == np.float32(ILLEGAL_LOGIT))
    for k in range(1, 8):
        moved_logits, moved_value = wrapped(*image(obs, mask, k))
        np.testing.assert_allclose(moved_value, value, atol=1e-5)
        np.testing.assert_allclose(moved_logits[:, GO.action_perms[k]], logits, atol=1e-4)
    _, _, score = wrapped.evaluate_scored(obs, mask)
    aux = wrapped.auxiliary(obs)
    moved_aux = wrapped.auxiliary(image(obs, mask, 3)[0])
    np.testing.assert_allclose(moved_aux["score"], aux["score"], atol=1e-4)
    np.testing.assert_allclose(score, aux["score"], atol=1e-4)
    owned = aux["ownership"].reshape(len(obs), -1)
    moved_owned = moved_aux["ownership"].reshape(len(obs), -1)
    np.testing.assert_allclose(moved_owned[:, GO.cell_perms[3]], owned, atol=1e-5)


def test_the_policy_is_the_mean_of_the_images_probabilities(evaluator: NetEvaluator) -> None:
    obs, mask = positions()
    expected_probs = np.zeros(mask.shape)
    expected_value = np.zeros(len(obs))
    for k in range(8):
        logits, value = evaluator(*image(obs, mask, k))
        back = torch.from_numpy(logits[:, GO.action_perms[k]]).softmax(dim=1).numpy()
        expected_probs += back / 8
        expected_value += value / 8
    logits, value = SymmetricEvaluator.for_domain(evaluator, GO, 8)(obs, mask)
    probs = torch.from_numpy(logits).softmax(dim=1).numpy()
    np.testing.assert_allclose(probs, expected_probs, atol=1e-5)
    np.testing.assert_allclose(value, expected_value, atol=1e-5)


def test_one_random_symmetry_is_one_images_answer_mapped_back(
    evaluator: NetEvaluator,
) -> None:
    obs, mask = positions(count=40)
    answers = []  # [k] = (logits [B, A], value [B]) of image k, mapped back
    for k in range(8):
        logits, value = evaluator(*image(obs, mask, k))
        answers.append((logits[:, GO.action_perms[k]], value))
    wrapped = SymmetricEvaluator.for_domain(evaluator, GO, 1, seed=1)
    logits, value = wrapped(obs, mask)
    used = set()
    for b in range(len(obs)):
        matches = [
            k
            for k, (want_logits, want_value) in enumerate(answers)
            if np.isclose(value[b], want_value[b], atol=1e-6)
            and np.allclose(logits[b][mask[b]], want_logits[b][mask[b]], atol=1e-5)
        ]
        assert matches, f"position {b}: the answer is none of the images'"
        used.add(matches[0])
    assert np.all(logits[~mask] == np.float32(ILLEGAL_LOGIT))
    assert len(used) >= 6  # random symmetries, not always the identity
    # The draw depends on the position, not on the calls before or the batch around it.
    again_logits, again_value = wrapped(obs[::-1].copy(), mask[::-1].copy())
    np.testing.assert_allclose(again_value[::-1], value, atol=1e-5)
    np.testing.assert_allclose(again_logits[::-1], logits, atol=1e-5)
    other = SymmetricEvaluator.for_domain(evaluator, GO, 1, seed=2)
    assert not np.array_equal(other.draw(obs), wrapped.draw(obs))


def test_several_symmetries_are_distinct_images(evaluator: NetEvaluator) -> None:
    obs, _ = positions(count=20)
    drawn = SymmetricEvaluator.for_domain(evaluator, GO, 3).draw(obs)
    assert drawn.shape == (20, 3)
    assert all(len(set(row)) == 3 for row in drawn.tolist())
    assert len(set(drawn.ravel().tolist())) == 8


def test_counts_outside_the_boards_symmetries_are_refused(evaluator: NetEvaluator) -> None:
    for count in (0, 9):
        with pytest.raises(ConfigError, match=r"symmetries must be 1\.\.8"):
            SymmetricEvaluator.for_domain(evaluator, GO, count)
    connect4 = distill.make("connect4")  # a mirror only: 2 symmetries
    with pytest.raises(ConfigError, match="this board has 2"):
        SymmetricEvaluator.for_domain(evaluator, connect4, 4)
