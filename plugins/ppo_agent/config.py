"""PPO hyperparameters: a dataclass with a docstring per field, defaults per game in
``defaults.yaml`` beside this file, overridden by ``--config FILE`` and ``--set key=value``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from arena.errors import AgentError, did_you_mean

DEFAULTS = Path(__file__).with_name("defaults.yaml")


@dataclass(frozen=True)
class PPOConfig:
    """Hyperparameters of one PPO run (names as in the PPO paper and cleanrl)."""

    total_steps: int = 2_000_000
    """Agent steps to train for, summed over all environments."""
    num_envs: int = 8
    """Environments stepped in parallel, one emulator process each."""
    num_steps: int = 128
    """Steps each environment plays per rollout; the batch is num_envs * num_steps."""
    learning_rate: float = 2.5e-4
    """Adam's step size at the start."""
    anneal_lr: bool = True
    """Decay the learning rate linearly to 0 over the run."""
    gamma: float = 0.99
    """Discount factor."""
    reward_scale: float = 1.0
    """Rewards are multiplied by this before advantages and values are estimated (logged
    returns stay in the game's units): keeps the value loss from swamping the policy's gradient
    on games with large rewards, as baselines' RewardScaler does."""
    gae_lambda: float = 0.95
    """Lambda of generalized advantage estimation."""
    num_minibatches: int = 4
    """Minibatches each update epoch splits the batch into."""
    update_epochs: int = 4
    """Passes over the batch per update."""
    norm_adv: bool = True
    """Normalize advantages per minibatch."""
    clip_coef: float = 0.1
    """Surrogate clipping epsilon."""
    clip_vloss: bool = True
    """Clip the value loss around the old value estimate too."""
    ent_coef: float = 0.01
    """Weight of the entropy bonus."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    max_grad_norm: float = 0.5
    """Gradient norm clipping."""
    target_kl: float | None = None
    """Stop an update's epochs early once the approximate KL exceeds this (None: never)."""
    checkpoint_every: int = 100_000
    """Write a checkpoint every this many agent steps."""
    precision: str = "float32"
    """``float32``, or ``bfloat16``: forward and backward passes under bf16 autocast (weights,
    optimizer and losses stay float32), faster on CPUs with native bf16 and on recent GPUs."""

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        return self.batch_size // self.num_minibatches

    @property
    def num_updates(self) -> int:
        return max(1, self.total_steps // self.batch_size)

    def digest(self) -> str:
        """Identifies the algorithm's settings; the run's length may change on --resume."""
        settings = dataclasses.asdict(self)
        for length in ("total_steps", "checkpoint_every"):
            settings.pop(length)
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


FIELDS = {f.name: f for f in dataclasses.fields(PPOConfig)}
PRECISIONS = ("float32", "bfloat16")


def _convert(key: str, value: Any, source: str) -> Any:
    """``value`` (from YAML or a ``--set`` string) as the field's type; bad values raise."""
    kind = FIELDS[key].type
    text = str(value).strip()
    if kind == "str":
        if text not in PRECISIONS:
            raise AgentError(
                f"{source}: {key} = {value!r}{did_you_mean(text, PRECISIONS)}; "
                f"valid: {', '.join(PRECISIONS)}"
            )
        return text
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        if kind == "float | None" and text.lower() in ("none", "null", ""):
            return None
        number = float(text)
        if not math.isfinite(number):
            raise ValueError
        if kind == "int":
            if number != int(number):
                raise ValueError
            number = int(number)
    except ValueError:
        raise AgentError(f"{source}: {key} = {value!r} is not a valid {kind}") from None
    if number < 0 or (number == 0 and key not in ("ent_coef", "gamma", "gae_lambda", "clip_coef")):
        raise AgentError(f"{source}: {key} must be positive, got {value!r}")
    return number


def _apply(values: dict[str, Any], updates: Mapping[str, Any], source: str) -> None:
    for key, value in updates.items():
        if key not in FIELDS:
            raise AgentError(
                f"{source}: unknown PPO setting {key!r}{did_you_mean(key, FIELDS)}",
                f"valid: {', '.join(FIELDS)}",
            )
        values[key] = _convert(key, value, source)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise AgentError(f"{path}: unreadable PPO config ({exc})") from None
    if not isinstance(data, dict):
        raise AgentError(f"{path}: expected a mapping of settings")
    return data


def build_config(game: str, user_file: Path | None, overrides: Mapping[str, Any]) -> PPOConfig:
    """Defaults, then the game's section of defaults.yaml, then ``--config``, then ``--set``."""
    values: dict[str, Any] = {}
    defaults = _read(DEFAULTS)
    _apply(values, defaults.get("default", {}), f"{DEFAULTS}: default")
    _apply(values, defaults.get(game, {}), f"{DEFAULTS}: {game}")
    if user_file is not None:
        _apply(values, _read(user_file), str(user_file))
    _apply(values, overrides, "--set")
    config = PPOConfig(**values)
    if config.batch_size % config.num_minibatches:
        raise AgentError(
            f"num_envs * num_steps = {config.batch_size} does not split into "
            f"{config.num_minibatches} minibatches"
        )
    return config
