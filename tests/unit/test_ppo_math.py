"""PPO's math on values computed by hand (plugins/ppo_agent/losses.py)."""

import math

import pytest
import torch

from arena.plugins.ppo_agent.losses import compute_gae, ppo_loss


def column(*values):
    return torch.tensor(values, dtype=torch.float32).reshape(-1, 1)  # (num_steps, 1 env)


def test_gae_bootstraps_the_tail_and_stops_at_episode_ends():
    # dones[2] = 1: the observation of step 2 began a new episode, so step 1 ends one.
    advantages, returns = compute_gae(
        rewards=column(1.0, 0.0, 2.0),
        values=column(0.5, 0.4, 0.3),
        dones=column(0.0, 0.0, 1.0),
        next_value=torch.tensor([0.8]),
        next_done=torch.tensor([0.0]),
        gamma=0.9,
        gae_lambda=0.8,
    )
    # t=2: delta = 2 + 0.9 * 0.8 - 0.3 = 2.42 (bootstrapped from next_value)
    # t=1: delta = 0 - 0.4 = -0.4 (terminal: no bootstrap, no carry)
    # t=0: delta = 1 + 0.9 * 0.4 - 0.5 = 0.86; gae = 0.86 + 0.9 * 0.8 * -0.4 = 0.572
    assert advantages.flatten().tolist() == pytest.approx([0.572, -0.4, 2.42])
    assert returns.flatten().tolist() == pytest.approx([1.072, 0.0, 2.72])


def test_gae_with_lambda_one_is_the_monte_carlo_return_minus_the_value():
    advantages, _ = compute_gae(
        column(1.0, 1.0), column(0.25, 0.5), column(0.0, 0.0),
        torch.tensor([0.0]), torch.tensor([1.0]), gamma=1.0, gae_lambda=1.0,
    )  # fmt: skip
    assert advantages.flatten().tolist() == pytest.approx([2.0 - 0.25, 1.0 - 0.5])


def losses(advantages, **options):
    settings = {"clip_coef": 0.2, "ent_coef": 0.01, "vf_coef": 0.5, "norm_adv": False} | options
    return ppo_loss(
        new_logprob=torch.tensor([math.log(1.5), math.log(0.5)]),
        old_logprob=torch.tensor([0.0, 0.0]),  # ratios 1.5 and 0.5
        entropy=torch.tensor([1.0, 3.0]),
        new_value=torch.tensor([1.0, 2.0]),
        old_value=torch.tensor([0.5, 2.5]),
        advantages=torch.tensor(advantages),
        returns=torch.tensor([1.5, 1.5]),
        **settings,
    )


def test_the_clipped_surrogate_takes_the_pessimistic_side():
    result = losses([1.0, 1.0])
    # ratio 1.5 is clipped to 1.2 (-1.2 beats -1.5); ratio 0.5 keeps -0.5 (beats -0.8)
    assert result.policy.item() == pytest.approx((-1.2 + -0.5) / 2)
    negative = losses([-1.0, -1.0])
    # with a negative advantage the larger ratio is not clipped: max(1.5, 1.2) = 1.5
    assert negative.policy.item() == pytest.approx((1.5 + 0.8) / 2)
    assert result.clip_fraction == 1.0
    kl = ((0.5 - math.log(1.5)) + (-0.5 - math.log(0.5))) / 2
    assert result.approx_kl.item() == pytest.approx(kl)


def test_value_loss_clipped_and_not_and_the_total():
    clipped = losses([1.0, 1.0])
    # clipped values 0.7 and 2.3; the worse of each pair: 0.64 and 0.64
    assert clipped.value.item() == pytest.approx(0.5 * 0.64)
    assert losses([1.0, 1.0], clip_vloss=False).value.item() == pytest.approx(0.5 * 0.25)
    assert clipped.entropy.item() == pytest.approx(2.0)
    assert clipped.total.item() == pytest.approx(-0.85 - 0.01 * 2.0 + 0.5 * 0.32)


def test_advantages_are_normalized_per_minibatch():
    # [1, 3] normalize to [-1/sqrt(2), 1/sqrt(2)] (unbiased std sqrt(2))
    a = 1 / math.sqrt(2)
    result = losses([1.0, 3.0], norm_adv=True)
    # sample 1 (advantage -a, ratio 1.5): max(a * 1.5, a * 1.2); sample 2 (+a, ratio 0.5)
    expected = (max(a * 1.5, a * 1.2) + max(-a * 0.5, -a * 0.8)) / 2
    assert result.policy.item() == pytest.approx(expected, rel=1e-5)
