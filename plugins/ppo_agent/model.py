"""The actor-critic of the PPO paper's Atari experiments: the Nature-DQN CNN trunk shared by a
policy head and a value head, orthogonally initialized."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical


def layer_init(layer: nn.Module, std: float = float(np.sqrt(2)), bias: float = 0.0) -> nn.Module:
    nn.init.orthogonal_(layer.weight, std)  # type: ignore[arg-type]
    nn.init.constant_(layer.bias, bias)  # type: ignore[arg-type]
    return layer


class ActorCritic(nn.Module):
    """Nature CNN over stacked uint8 frames (channels first); logits and a value out."""

    def __init__(self, observation_shape: tuple[int, ...], n_actions: int) -> None:
        super().__init__()
        channels, height, width = observation_shape
        self.trunk = nn.Sequential(
            layer_init(nn.Conv2d(channels, 32, 8, stride=4)),
            nn.ReLU(),
            layer_init(nn.Conv2d(32, 64, 4, stride=2)),
            nn.ReLU(),
            layer_init(nn.Conv2d(64, 64, 3, stride=1)),
            nn.ReLU(),
            nn.Flatten(),
        )
        with torch.no_grad():
            features = self.trunk(torch.zeros(1, channels, height, width)).shape[1]
        self.trunk.append(layer_init(nn.Linear(features, 512)))
        self.trunk.append(nn.ReLU())
        self.actor = layer_init(nn.Linear(512, n_actions), std=0.01)
        self.critic = layer_init(nn.Linear(512, 1), std=1.0)

    def hidden(self, observations: torch.Tensor) -> torch.Tensor:
        pixels = observations.float() / 255.0
        if pixels.device.type == "cpu":  # oneDNN convolutions are faster channels-last on CPUs
            pixels = pixels.contiguous(memory_format=torch.channels_last)
        return self.trunk(pixels)

    def value(self, observations: torch.Tensor) -> torch.Tensor:
        return self.critic(self.hidden(observations)).squeeze(-1)

    def action_and_value(
        self, observations: torch.Tensor, action: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample (or score) an action: (action, log-probability, entropy, value)."""
        hidden = self.hidden(observations)
        policy = Categorical(logits=self.actor(hidden))
        if action is None:
            action = policy.sample()
        return action, policy.log_prob(action), policy.entropy(), self.critic(hidden).squeeze(-1)

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The most likely action."""
        return self.actor(self.hidden(observations)).argmax(-1)
