"""The PPO agent for ``arena run --agent ppo --checkpoint PATH``: greedy by default,
sampling from the policy with ``--sample`` (or the option ``sample=true``, e.g. in a bench
entry ``sampled=ppo:PATH,sample=true``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from arena import Agent, AgentContext, load_checkpoint
from arena.errors import AgentError
from arena.plugins.ppo_agent.manifest import AGENT, PLAYABLE, ppo_manifest
from arena.plugins.ppo_agent.model import ActorCritic, load_state, load_weights


class PPOAgent(Agent):
    def __init__(self, model: ActorCritic, sample: bool) -> None:
        self.model = model.eval()
        self.sample = sample

    def reset(self, seed: int) -> torch.Generator:
        return torch.Generator().manual_seed(seed)  # the sampling randomness, per episode

    def act(
        self, observation: np.ndarray, info: Mapping[str, Any], state: torch.Generator
    ) -> tuple[int, torch.Generator]:
        with torch.no_grad():
            pixels = self.model.pixels(torch.from_numpy(observation).unsqueeze(0))
            if not self.sample:
                return int(self.model.greedy(pixels)[0]), state
            logits = self.model.actor(self.model.hidden(pixels))[0]
            action = torch.multinomial(torch.softmax(logits, -1), 1, generator=state)
            return int(action[0]), state


def build(context: AgentContext) -> PPOAgent:
    manifest = ppo_manifest(context.checkpoint)
    assert context.checkpoint is not None
    chosen = context.options.get("sample")
    sample = (not context.greedy) if chosen is None else bool(chosen)
    kind = manifest.get("kind")
    if kind not in PLAYABLE:
        raise AgentError(f"{context.checkpoint} holds a {kind}, not a model")
    _, payload = load_checkpoint(context.checkpoint, AGENT, str(kind), "torch")
    shape, n_actions = tuple(manifest["observation_shape"]), int(manifest["n_actions"])
    if shape != context.spec.observation_shape or n_actions != context.spec.n_actions:
        raise AgentError(
            f"{context.checkpoint} was trained on {manifest['profile']!r} ({shape}, {n_actions} "
            f"actions); {context.spec.profile!r} gives {context.spec.observation_shape}, "
            f"{context.spec.n_actions} actions"
        )
    model = ActorCritic(shape, n_actions)
    load_weights(model, load_state(payload, context.checkpoint), context.checkpoint)
    return PPOAgent(model, sample=sample)
