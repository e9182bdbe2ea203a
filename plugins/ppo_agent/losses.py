"""The math of PPO as pure functions (Schulman et al. 2017; names as in the paper and cleanrl):
generalized advantage estimation and the clipped-surrogate loss. No model, optimizer or env
here, so each is unit-tested on values computed by hand (tests/test_ppo_math.py)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    next_value: torch.Tensor,
    next_done: torch.Tensor,
    gamma: float,
    gae_lambda: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and returns of a rollout (GAE, Schulman et al. 2016).

    ``rewards``, ``values`` and ``dones`` are (num_steps, num_envs); ``dones[t]`` says the
    observation of step t began a new episode. ``next_value``/``next_done`` are those of the
    observation after the last step, which bootstraps the tail. Returns (advantages,
    returns), returns being advantages + values (the value targets).
    """
    num_steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last_gae = torch.zeros_like(next_value)
    for t in reversed(range(num_steps)):
        if t == num_steps - 1:
            next_nonterminal, next_values = 1.0 - next_done, next_value
        else:
            next_nonterminal, next_values = 1.0 - dones[t + 1], values[t + 1]
        delta = rewards[t] + gamma * next_values * next_nonterminal - values[t]
        last_gae = delta + gamma * gae_lambda * next_nonterminal * last_gae
        advantages[t] = last_gae
    return advantages, advantages + values


@dataclass
class Losses:
    """One minibatch's losses and the diagnostics logged beside them."""

    total: torch.Tensor
    """What the optimizer minimizes: policy - ent_coef * entropy + vf_coef * value."""
    policy: torch.Tensor
    value: torch.Tensor
    entropy: torch.Tensor
    approx_kl: torch.Tensor
    """The k3 estimator of KL(old || new): mean((ratio - 1) - log ratio)."""
    clip_fraction: float
    """The share of samples whose ratio left [1 - clip_coef, 1 + clip_coef]."""


def ppo_loss(
    new_logprob: torch.Tensor,
    old_logprob: torch.Tensor,
    entropy: torch.Tensor,
    new_value: torch.Tensor,
    old_value: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    *,
    clip_coef: float,
    ent_coef: float,
    vf_coef: float,
    clip_vloss: bool = True,
    norm_adv: bool = True,
) -> Losses:
    """The clipped-surrogate objective, the (optionally clipped) value loss and the entropy
    bonus for one minibatch; every argument is a flat tensor over its samples."""
    log_ratio = new_logprob - old_logprob
    ratio = log_ratio.exp()
    with torch.no_grad():
        approx_kl = ((ratio - 1) - log_ratio).mean()
        clip_fraction = ((ratio - 1.0).abs() > clip_coef).float().mean().item()
    if norm_adv:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    # Policy loss: the clipped surrogate (negated, to minimize).
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
    policy = torch.max(unclipped, clipped).mean()
    # Value loss, optionally clipped around the rollout's estimate.
    if clip_vloss:
        value_clipped = old_value + torch.clamp(new_value - old_value, -clip_coef, clip_coef)
        value = 0.5 * torch.max((new_value - returns) ** 2, (value_clipped - returns) ** 2).mean()
    else:
        value = 0.5 * ((new_value - returns) ** 2).mean()
    entropy_mean = entropy.mean()
    total = policy - ent_coef * entropy_mean + vf_coef * value
    return Losses(total, policy, value, entropy_mean, approx_kl, clip_fraction)
