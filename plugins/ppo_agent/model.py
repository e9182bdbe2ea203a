"""The actor-critic of the PPO paper's Atari experiments: the Nature-DQN CNN trunk shared by a
policy head and a value head, orthogonally initialized."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical

from arena.errors import AgentError


def layer_init(layer: nn.Module, std: float = float(np.sqrt(2)), bias: float = 0.0) -> nn.Module:
    nn.init.orthogonal_(layer.weight, std)  # type: ignore[arg-type]
    nn.init.constant_(layer.bias, bias)  # type: ignore[arg-type]
    return layer


class ActorCritic(nn.Module):
    """Nature CNN over stacked frames (``pixels`` of uint8 observations); logits and a value out."""

    def __init__(self, observation_shape: tuple[int, ...], n_actions: int) -> None:
        super().__init__()
        channels, height, width = observation_shape
        self.trunk = nn.Sequential(
            layer_init(nn.Conv2d(channels, 32, 8, stride=4)),
            nn.ReLU(inplace=True),
            layer_init(nn.Conv2d(32, 64, 4, stride=2)),
            nn.ReLU(inplace=True),
            layer_init(nn.Conv2d(64, 64, 3, stride=1)),
            nn.ReLU(inplace=True),
            nn.Flatten(),
        )
        with torch.no_grad():
            features = self.trunk(torch.zeros(1, channels, height, width)).shape[1]
        self.trunk.append(layer_init(nn.Linear(features, 512)))
        self.trunk.append(nn.ReLU(inplace=True))
        self.actor = layer_init(nn.Linear(512, n_actions), std=0.01)
        self.critic = layer_init(nn.Linear(512, 1), std=1.0)

    @staticmethod
    def pixels(observations: torch.Tensor) -> torch.Tensor:
        """uint8 frames (N, C, H, W) as floats in [0, 1]: the network's input.

        One copy does the cast and, on CPUs, the channels-last layout oneDNN convolves fastest;
        the division is in place (an out-of-place one costs as much as the copy again). The
        learner converts a whole rollout once, not once per epoch.
        """
        if observations.device.type == "cpu":
            pixels = observations.to(torch.float32, memory_format=torch.channels_last)
        else:
            pixels = observations.float()
        return pixels.div_(255.0)

    def hidden(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.trunk(pixels)

    def value(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.critic(self.hidden(pixels)).squeeze(-1)

    def act(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample actions for a rollout: (action, log-probability, value).

        The lean path of ``action_and_value``: no entropy and no Categorical object, whose
        argument checks cost as much as the heads themselves at batch size 1.
        """
        hidden = self.hidden(pixels)
        log_probs = self.actor(hidden).float().log_softmax(-1)
        action = torch.multinomial(log_probs.exp(), 1)
        value = self.critic(hidden).squeeze(-1)
        return action[:, 0], log_probs.gather(-1, action)[:, 0], value

    def action_and_value(
        self, pixels: torch.Tensor, action: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Score rollout actions under the current policy: (log-probability, entropy, value)."""
        hidden = self.hidden(pixels)
        policy = Categorical(logits=self.actor(hidden))
        return policy.log_prob(action), policy.entropy(), self.critic(hidden).squeeze(-1)

    def greedy(self, pixels: torch.Tensor) -> torch.Tensor:
        """The most likely action."""
        return self.actor(self.hidden(pixels)).argmax(-1)


def load_state(payload: bytes, source: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A checkpoint's tensors and numbers (``torch.load(weights_only=True)``: nothing else is
    rebuilt, so no code runs); any other payload is one line of refusal."""
    try:
        with warnings.catch_warnings():  # torch's advice on pickle protocols is not the user's
            warnings.simplefilter("ignore")
            state = torch.load(io.BytesIO(payload), map_location=device, weights_only=True)
    except Exception:  # torch raises UnpicklingError, RuntimeError... with advice not to follow
        raise AgentError(
            f"{source}: the payload holds something other than tensors and numbers; "
            "refused without loading it"
        ) from None
    if not isinstance(state, dict) or "model" not in state:
        raise AgentError(f"{source}: the payload is not a PPO state (no 'model' in it)")
    return state


def load_weights(model: torch.nn.Module, state: dict[str, Any], source: Path) -> None:
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise AgentError(f"{source}: the weights do not fit the model ({first})") from None
