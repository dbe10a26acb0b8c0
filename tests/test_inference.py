"""Guards `distill.inference.NetEvaluator`: the evaluator protocol (numpy in/out, shapes,
dtypes), legal-move masking, agreement of the optimized variants with eager fp32,
isolation from later training of the original net, and the auxiliary outputs (ownership,
score) of the heads a net has."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from distill.errors import ConfigError, ShapeError
from distill.inference import DEFAULT_OPTIONS, EAGER, InferenceOptions, NetEvaluator
from distill.logits import ILLEGAL_LOGIT
from distill.nets import HeadsConfig, NetConfig, ResNetConfig, build_net

pytestmark = pytest.mark.usefixtures("one_torch_thread")


CONFIG = NetConfig(
    resnet=ResNetConfig(channels=16, blocks=2, global_pool_every=2, global_pool_channels=4),
    heads=HeadsConfig(policy_channels=8, value_channels=8, value_hidden=16),
)


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return build_net(CONFIG, (2, 6, 7), 7)


def batch(b: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    obs = (rng.random((b, 2, 6, 7)) < 0.3).astype(np.float32)
    mask = rng.random((b, 7)) < 0.6
    mask[:, 3] = True
    return obs, mask


def test_protocol_and_masking(net):
    obs, mask = batch()
    logits, value = NetEvaluator(net)(obs, mask)
    assert logits.shape == (8, 7) and logits.dtype == np.float32
    assert value.shape == (8,) and value.dtype == np.float32
    assert np.all(np.abs(value) <= 1.0)
    assert np.all(logits[~mask] == np.float32(ILLEGAL_LOGIT))
    probs = torch.from_numpy(logits).softmax(dim=1).numpy()
    assert np.all(probs[~mask] == 0.0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    with torch.no_grad():
        direct = net.eval()(torch.from_numpy(obs))["policy_logits"].numpy()
    np.testing.assert_allclose(logits[mask], direct[mask], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "options, tol",
    [
        (InferenceOptions(channels_last=True), 1e-5),
        (InferenceOptions(freeze=True, channels_last=False), 1e-4),
        (InferenceOptions(freeze=True, channels_last=True), 1e-4),
        (InferenceOptions(dtype="bfloat16"), 0.1),
    ],
)
def test_variants_agree_with_eager(net, options, tol):
    obs, mask = batch(16, seed=1)
    ref_logits, ref_value = NetEvaluator(net, options=EAGER)(obs, mask)
    for size in (16, 5):  # a traced net must also accept another batch size
        logits, value = NetEvaluator(net, options=options)(obs[:size], mask[:size])
        np.testing.assert_allclose(logits, ref_logits[:size], atol=tol, rtol=tol)
        np.testing.assert_allclose(value, ref_value[:size], atol=tol, rtol=tol)


def test_evaluator_holds_a_copy_of_the_net(net):
    obs, mask = batch()
    evaluator = NetEvaluator(net)
    before = evaluator(obs, mask)[1]
    live = NetEvaluator(net, copy_net=False)
    saved = {k: v.clone() for k, v in net.state_dict().items()}
    try:
        with torch.no_grad():  # "training" the original: value becomes tanh(0.5) everywhere
            net.value.out.weight.zero_()
            net.value.out.bias.fill_(0.5)
        np.testing.assert_allclose(live(obs, mask)[1], np.tanh(0.5), rtol=1e-6)
        np.testing.assert_array_equal(evaluator(obs, mask)[1], before)
    finally:
        net.load_state_dict(saved)


def test_bad_shapes_and_empty_batch(net):
    obs, mask = batch()
    evaluator = NetEvaluator(net)
    with pytest.raises(ShapeError, match="obs"):
        evaluator(obs[0], mask)
    with pytest.raises(ShapeError, match="mask"):
        evaluator(obs, mask[:, :5])
    logits, value = evaluator(obs[:0], mask[:0])
    assert logits.shape == (0, 7) and value.shape == (0,)


def test_drives_the_batched_search():
    """The evaluator plugs into `distill.search.Searcher` as its network evaluator."""
    import distill
    from distill.search import SearchConfig, Searcher

    domain = distill.make("tictactoe")
    torch.manual_seed(0)
    evaluator = NetEvaluator(build_net(CONFIG, domain.obs_shape, domain.num_actions))
    searcher = Searcher(
        domain,
        evaluator,
        batch_size=3,
        config=SearchConfig(algorithm="puct", num_simulations=6),
        jit=False,
    )
    store = domain.new_store(3)
    domain.reset(store, [0, 1, 2])
    domain.step(store, [0], store, [0], [4])  # game 0: centre taken
    result = searcher.run(store, np.arange(3), np.random.default_rng(0))
    policy = np.asarray(result.policy_target)
    assert policy.shape == (3, 9)
    np.testing.assert_allclose(policy.sum(axis=1), 1.0, rtol=1e-5)
    assert policy[0, 4] == 0.0  # the occupied centre gets no search mass


def test_auxiliary_outputs_are_the_heads_the_net_has():
    torch.manual_seed(1)
    heads = HeadsConfig(
        policy_channels=8, value_channels=8, value_hidden=16, ownership=True, score=True
    )
    config = NetConfig(resnet=CONFIG.resnet, heads=heads)
    both = build_net(config, (2, 5, 5), 26)
    obs = (np.random.default_rng(2).random((3, 2, 5, 5)) < 0.3).astype(np.float32)
    for options in (DEFAULT_OPTIONS, EAGER, InferenceOptions(freeze=True)):
        aux = NetEvaluator(both, options=options).auxiliary(obs)
        assert set(aux) == {"ownership", "score"}
        assert aux["ownership"].shape == (3, 5, 5) and aux["ownership"].dtype == np.float32
        assert aux["score"].shape == (3,) and aux["score"].dtype == np.float32
        with torch.no_grad():
            direct = both.eval()(torch.from_numpy(obs))
        np.testing.assert_allclose(aux["ownership"], direct["ownership"].numpy(), atol=1e-5)
        np.testing.assert_allclose(aux["score"], direct["score"].numpy(), rtol=1e-4, atol=1e-4)
    only_score = NetConfig(resnet=CONFIG.resnet, heads=dataclasses.replace(heads, ownership=False))
    assert set(NetEvaluator(build_net(only_score, (2, 5, 5), 26)).auxiliary(obs)) == {"score"}
    assert NetEvaluator(build_net(CONFIG, (2, 6, 7), 7)).auxiliary(batch()[0]) == {}
    with pytest.raises(ShapeError, match="obs"):
        NetEvaluator(both).auxiliary(obs[0])


def test_evaluate_scored_adds_the_score_head_to_the_pair():
    torch.manual_seed(3)
    heads = HeadsConfig(policy_channels=8, value_channels=8, value_hidden=16, score=True)
    net = build_net(NetConfig(resnet=CONFIG.resnet, heads=heads), (2, 5, 5), 26)
    obs = (np.random.default_rng(4).random((3, 2, 5, 5)) < 0.3).astype(np.float32)
    mask = np.random.default_rng(5).random((3, 26)) < 0.7
    evaluator = NetEvaluator(net)
    assert evaluator.scored
    logits, value, score = evaluator.evaluate_scored(obs, mask)
    plain_logits, plain_value = evaluator(obs, mask)
    np.testing.assert_allclose(logits, plain_logits, atol=1e-5)
    np.testing.assert_allclose(value, plain_value, atol=1e-6)
    np.testing.assert_allclose(score, evaluator.auxiliary(obs)["score"], atol=1e-5)
    assert score.shape == (3,) and score.dtype == np.float32
    unscored = NetEvaluator(build_net(CONFIG, (2, 6, 7), 7))
    assert not unscored.scored
    with pytest.raises(ConfigError, match="score head"):
        unscored.evaluate_scored(*batch())
