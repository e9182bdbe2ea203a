"""What a PPO checkpoint's manifest says, read without torch (so listing plugins stays fast)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arena import manifest_observation, read_manifest
from arena.errors import AgentError

AGENT = "ppo"
PLAYABLE = ("model", "training-state")  # a run's final model or any of its checkpoints


def ppo_manifest(checkpoint: Path | None) -> dict[str, Any]:
    if checkpoint is None:
        raise AgentError(
            "ppo plays a trained model: give --checkpoint PATH",
            "`arena train ppo --game GAME` writes OUT/model.ckpt",
        )
    manifest = read_manifest(checkpoint)
    if manifest.get("agent") != AGENT:
        raise AgentError(
            f"{checkpoint} is a checkpoint of agent {manifest.get('agent')!r}, not 'ppo'",
            f"play it with --agent {manifest.get('agent')}",
        )
    return manifest


def observation_for(checkpoint: Path | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """The observation pipeline the model was trained on, from its manifest alone."""
    manifest = ppo_manifest(checkpoint)  # raises when there is no checkpoint
    assert checkpoint is not None
    return manifest_observation(manifest, checkpoint)
