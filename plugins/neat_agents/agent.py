"""The NEAT agents: a genome's network picks the action with the largest output.

The inputs are the classic recipe: the grayscale screen downscaled (8x by default) and
flattened, scaled to [0, 1], one frame per agent step. A recurrent network's memory is the
agent's explicit state: ``reset`` builds a fresh network for the episode and ``act`` passes
it along.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

import neat
import numpy as np

from arena import (
    Agent,
    AgentContext,
    AgentFactory,
    ObservationFor,
    load_checkpoint,
    manifest_observation,
    read_manifest,
    save_checkpoint,
)
from arena.errors import AgentError
from arena.plugins.neat_agents import codec
from arena.plugins.neat_agents.config import parse_config_text
from arena.plugins.neat_agents.network import FeedForward, Recurrent

GENOME = "genome"
Network: TypeAlias = "FeedForward | Recurrent"


def screen_observation(
    screen_shape: tuple[int, ...], crop: tuple[int, int, int, int] | None, downscale: int
) -> dict[str, Any]:
    """Observation overrides: the (cropped) screen, gray, shrunk ``downscale`` times, no stack."""
    top, bottom, left, right = crop or (0, 0, 0, 0)
    height = (screen_shape[0] - top - bottom) // downscale
    width = (screen_shape[1] - left - right) // downscale
    if height < 1 or width < 1:
        raise AgentError(f"--downscale {downscale} leaves no pixels of a {screen_shape[:2]} screen")
    return {"grayscale": True, "resize": (height, width), "frame_stack": 1, "max_pool": True}


class NeatAgent(Agent):
    """Plays one genome. ``recurrent`` networks keep their state across an episode's steps."""

    def __init__(
        self,
        genome: neat.DefaultGenome,
        config: neat.Config,
        recurrent: bool,
        observation_range: tuple[float, float] = (0, 255),
    ) -> None:
        self.genome = genome
        self.config = config
        self.network_type = Recurrent if recurrent else FeedForward
        # Inputs scaled into [-1, 1]: pixels by 1/255, MarI/O's tiles (-1..1) as they are.
        self.scale = 1 / max(abs(observation_range[0]), abs(observation_range[1]), 1e-9)

    def reset(self, seed: int) -> Network:
        return self.network_type(self.genome, self.config)

    def act(
        self, observation: np.ndarray, info: Mapping[str, Any], state: Network
    ) -> tuple[int, Network]:
        outputs = state.activate(observation.ravel() * self.scale)
        return int(np.argmax(outputs)), state


def save_genome(
    path: Path,
    agent: str,
    genome: neat.DefaultGenome,
    config_text: str,
    manifest: Mapping[str, Any],
) -> None:
    """A checkpoint of one genome, playable with ``arena run --agent AGENT --checkpoint``."""
    record = {
        "agent": agent,
        "kind": GENOME,
        "config": config_text,
        "fitness": genome.fitness,
        **manifest,
    }
    save_checkpoint(path, record, codec.dumps_genome(genome), "json")


def observation_for(agent: str) -> ObservationFor:
    """The observation a saved genome was trained on, read from its manifest alone."""

    def observation(checkpoint: Path | None, options: Mapping[str, Any]) -> dict[str, Any]:
        if checkpoint is None:
            raise AgentError(
                f"{agent} plays a trained genome: give --checkpoint PATH",
                f"`arena train {agent} --game GAME` writes OUT/winner.ckpt",
            )
        manifest = read_manifest(checkpoint)
        if manifest.get("agent") != agent:
            raise AgentError(
                f"{checkpoint} is a checkpoint of agent {manifest.get('agent')!r}, not {agent!r}",
                f"play it with --agent {manifest.get('agent')}",
            )
        return manifest_observation(manifest, checkpoint)

    return observation


def build_factory(agent: str, recurrent: bool) -> AgentFactory:
    """The factory ``arena run --agent AGENT --checkpoint PATH`` calls."""

    def build(context: AgentContext) -> NeatAgent:
        if context.checkpoint is None:
            raise AgentError(f"{agent} plays a trained genome: give --checkpoint PATH")
        manifest, payload = load_checkpoint(context.checkpoint, agent, GENOME, "json")
        inputs = int(np.prod(context.spec.observation_shape))
        if manifest["num_inputs"] != inputs or manifest["num_outputs"] != context.spec.n_actions:
            raise AgentError(
                f"{context.checkpoint} was trained on {manifest['profile']!r} "
                f"({manifest['num_inputs']} inputs, {manifest['num_outputs']} actions); "
                f"{context.spec.profile!r} gives {inputs} inputs and "
                f"{context.spec.n_actions} actions"
            )
        config = parse_config_text(manifest["config"], str(context.checkpoint))
        genome = codec.loads_genome(payload, config)
        return NeatAgent(genome, config, recurrent, context.spec.observation_range)

    return build
