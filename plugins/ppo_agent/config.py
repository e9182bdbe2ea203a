"""PPO hyperparameters: a dataclass with a docstring per field, defaults per game in
``defaults.yaml`` beside this file, overridden by ``--config FILE`` and ``--set key=value``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, FiniteFloat, ValidationError

from arena import MAX_WORKERS, first_error
from arena.errors import AgentError, did_you_mean

DEFAULTS = Path(__file__).with_name("defaults.yaml")


def _whole(value: Any) -> Any:
    """``--set total_steps=1e6`` means 1000000."""
    try:
        number = float(value) if isinstance(value, str) else None
    except ValueError:
        return value
    return int(number) if number is not None and number.is_integer() else value


PositiveInt = Annotated[int, Field(gt=0), BeforeValidator(_whole)]


def _words(value: Any) -> Any:
    """``--set "league_entries=random held=random,repeat=8"``: entries apart by spaces."""
    return tuple(value.split()) if isinstance(value, str) else value

MAX_BATCH_SIZE = 1 << 16
"""Agent steps in one rollout (num_envs * num_steps): 65,536 stacked 84x84 frames are about
1.8 GB; cleanrl's Atari recipe uses 1,024. ``--set num_steps=100000000`` is refused, not
allocated."""
PositiveFloat = Annotated[FiniteFloat, Field(gt=0)]
Fraction = Annotated[FiniteFloat, Field(ge=0, le=1)]


class PPOConfig(BaseModel):
    """Hyperparameters of one PPO run (names as in the PPO paper and cleanrl)."""

    # Lax types on purpose: ``--set`` gives strings ("0.5", "true"); pydantic converts them.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    total_steps: PositiveInt = 2_000_000
    """Agent steps to train for, summed over all environments."""
    num_envs: Annotated[PositiveInt, Field(le=MAX_WORKERS)] = 8
    """Environments stepped in parallel, one emulator process each."""
    num_steps: PositiveInt = 128
    """Steps each environment plays per rollout; the batch is num_envs * num_steps."""
    learning_rate: PositiveFloat = 2.5e-4
    """Adam's step size at the start."""
    anneal_lr: bool = True
    """Decay the learning rate linearly to 0 over the run."""
    gamma: Fraction = 0.99
    """Discount factor."""
    reward_scale: PositiveFloat = 1.0
    """Rewards are multiplied by this before advantages and values are estimated (logged
    returns stay in the game's units): keeps the value loss from swamping the policy's gradient
    on games with large rewards, as baselines' RewardScaler does."""
    gae_lambda: Fraction = 0.95
    """Lambda of generalized advantage estimation."""
    num_minibatches: PositiveInt = 4
    """Minibatches each update epoch splits the batch into."""
    update_epochs: PositiveInt = 4
    """Passes over the batch per update."""
    norm_adv: bool = True
    """Normalize advantages per minibatch."""
    clip_coef: Annotated[FiniteFloat, Field(ge=0)] = 0.1
    """Surrogate clipping epsilon."""
    clip_vloss: bool = True
    """Clip the value loss around the old value estimate too."""
    ent_coef: Annotated[FiniteFloat, Field(ge=0)] = 0.01
    """Weight of the entropy bonus."""
    vf_coef: PositiveFloat = 0.5
    """Weight of the value loss."""
    max_grad_norm: PositiveFloat = 0.5
    """Gradient norm clipping."""
    target_kl: PositiveFloat | None = None
    """Stop an update's epochs early once the approximate KL exceeds this (None: never)."""
    checkpoint_every: PositiveInt = 100_000
    """Write a checkpoint every this many agent steps."""
    precision: Literal["float32", "bfloat16"] = "float32"
    """``float32``, or ``bfloat16``: forward and backward passes under bf16 autocast (weights,
    optimizer and losses stay float32), faster on CPUs with native bf16 and on recent GPUs."""
    league_snapshot_every: PositiveInt = 100_000
    """With ``--opponent league``: the learner's policy joins the league as a snapshot every
    this many agent steps (and at step 0)."""
    league_latest: Fraction = 0.5
    """With ``--opponent league``: the share of episodes played against the newest snapshot."""
    league_fixed: Fraction = 0.2
    """With ``--opponent league``: the share played against one of ``league_entries``; the rest
    go to the older snapshots, drawn uniformly."""
    league_entries: Annotated[tuple[str, ...], BeforeValidator(_words)] = ("random",)
    """With ``--opponent league``: the fixed entries kept in the league, apart by spaces."""

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
        settings = self.model_dump()
        for length in ("total_steps", "checkpoint_every"):
            settings.pop(length)
        for key in LEAGUE_KEYS:  # left at their defaults, they change no run: older ones resume
            if settings[key] == PPOConfig.model_fields[key].default:
                settings.pop(key)
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


LEAGUE_KEYS = ("league_snapshot_every", "league_latest", "league_fixed", "league_entries")


def _apply(
    values: dict[str, Any], sources: dict[str, str], updates: Mapping[str, Any], source: str
) -> None:
    for key, value in updates.items():
        if key not in PPOConfig.model_fields:
            valid = list(PPOConfig.model_fields)
            raise AgentError(
                f"{source}: unknown PPO setting {key!r}{did_you_mean(key, valid)}",
                f"valid: {', '.join(valid)}",
            )
        values[key] = None if str(value).lower() in ("none", "null") else value
        sources[key] = source


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
    sources: dict[str, str] = {}  # where each value came from, for the error message
    defaults = _read(DEFAULTS)
    _apply(values, sources, defaults.get("default", {}), f"{DEFAULTS}: default")
    _apply(values, sources, defaults.get(game, {}), f"{DEFAULTS}: {game}")
    if user_file is not None:
        _apply(values, sources, _read(user_file), str(user_file))
    _apply(values, sources, overrides, "--set")
    try:
        config = PPOConfig(**values)
    except ValidationError as exc:
        key, problem, value = first_error(exc)
        raise AgentError(f"{sources[key]}: {key} = {value!r}: {problem}") from None
    if config.batch_size > MAX_BATCH_SIZE:
        raise AgentError(
            f"num_envs * num_steps = {config.batch_size:,}: a rollout holds at most "
            f"{MAX_BATCH_SIZE:,} steps (their frames live in memory)",
            "lower num_steps or num_envs",
        )
    if config.batch_size % config.num_minibatches:
        raise AgentError(
            f"num_envs * num_steps = {config.batch_size} does not split into "
            f"{config.num_minibatches} minibatches"
        )
    return config
