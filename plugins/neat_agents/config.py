"""neat-python configs: the defaults beside this file, a user's file, ``--set`` overrides.

A ``--config`` file is a complete neat-python config (as in neat-python's examples); it is
checked key by key against the defaults, so an unknown or missing key is one clear error
naming the file, the section and the nearest valid key. ``num_inputs`` and ``num_outputs``
always come from the game.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import neat

from arena.errors import AgentError, did_you_mean

HERE = Path(__file__).parent
GAME_KEYS = {"num_inputs", "num_outputs"}  # set from the game, not by the user


MAX_POPULATION = 10_000
"""Genomes in a population (``--pop``, ``NEAT.pop_size``): the NEAT papers and neat-python's
examples use 50 to 300; a typo such as ``--pop 1000000000`` is refused before anything is built."""


def default_config_path(agent: str, inputs: str = "screen") -> Path:
    """``neat-ff.ini``, or the config tuned for other inputs when there is one
    (``neat-ff-tiles.ini``)."""
    tuned = HERE / f"{agent}-{inputs}.ini"
    return tuned if inputs != "screen" and tuned.exists() else HERE / f"{agent}.ini"


@dataclass(frozen=True)
class NeatConfig:
    """The effective config: its INI text (saved with every checkpoint), hash and parsed form."""

    text: str
    digest: str
    config: neat.Config


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#", ";"))
    try:
        with path.open() as fh:
            parser.read_file(fh)
    except (OSError, configparser.Error) as exc:
        raise AgentError(f"{path}: unreadable neat config ({exc})") from None
    return parser


def _check_against(
    user: configparser.ConfigParser, defaults: configparser.ConfigParser, source: str
) -> None:
    for section in user.sections():
        if not defaults.has_section(section):
            raise AgentError(
                f"{source}: unknown section [{section}]"
                f"{did_you_mean(section, defaults.sections())}",
                f"valid: {', '.join(defaults.sections())}",
            )
        for key in user.options(section):
            if not defaults.has_option(section, key):
                raise AgentError(
                    f"{source}: [{section}] unknown key {key!r}"
                    f"{did_you_mean(key, defaults.options(section))}"
                )
    for section in defaults.sections():
        missing = [
            k
            for k in defaults.options(section)
            if k not in GAME_KEYS and not user.has_option(section, k)
        ]
        if missing:
            raise AgentError(
                f"{source}: [{section}] is missing {', '.join(missing)}",
                f"the defaults are in {defaults_path_hint(defaults)}",
            )


def defaults_path_hint(defaults: configparser.ConfigParser) -> str:
    return getattr(defaults, "source", "the agent's default .ini")


def _apply_override(parser: configparser.ConfigParser, key: str, value: str) -> None:
    """``Section.key=value``, or ``key=value`` when only one section has that key."""
    section, _, name = key.rpartition(".")
    if not section:
        holders = [s for s in parser.sections() if parser.has_option(s, name)]
        if len(holders) != 1:
            every = [f"{s}.{k}" for s in parser.sections() for k in parser.options(s)]
            raise AgentError(f"--set {key}: unknown neat config key{did_you_mean(key, every)}")
        section = holders[0]
    if not parser.has_section(section):
        raise AgentError(
            f"--set {key}: unknown section {section!r}{did_you_mean(section, parser.sections())}"
        )
    if not parser.has_option(section, name):
        raise AgentError(
            f"--set {key}: unknown key{did_you_mean(name, parser.options(section))} in [{section}]"
        )
    if name in GAME_KEYS:
        raise AgentError(f"--set {key}: set from the game, not by hand")
    parser.set(section, name, value)


def parse_config_text(text: str, source: str = "neat config") -> neat.Config:
    """A neat.Config from INI text (neat-python reads configs from files only)."""
    fd, name = tempfile.mkstemp(suffix=".ini", text=True)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        return neat.Config(
            neat.DefaultGenome,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            name,
        )
    except Exception as exc:  # neat-python raises bare Exception/RuntimeError/ValueError
        raise AgentError(f"{source}: neat-python rejects it: {exc}") from None
    finally:
        os.unlink(name)


def build_config(
    agent: str,
    user_file: Path | None,
    overrides: Mapping[str, str],
    num_inputs: int,
    num_outputs: int,
    inputs: str = "screen",
) -> NeatConfig:
    """The effective config of a training run."""
    defaults = _read(default_config_path(agent, inputs))
    defaults.source = str(default_config_path(agent, inputs))  # type: ignore[attr-defined]
    parser = defaults
    if user_file is not None:
        parser = _read(user_file)
        _check_against(parser, defaults, str(user_file))
    for key, value in overrides.items():
        _apply_override(parser, key, value)
    parser.set("DefaultGenome", "num_inputs", str(num_inputs))
    parser.set("DefaultGenome", "num_outputs", str(num_outputs))
    lines = []
    for section in parser.sections():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value}" for key, value in parser.items(section)]
        lines.append("")
    text = "\n".join(lines)
    source = str(user_file or default_config_path(agent, inputs))
    if overrides:
        source += " with --set " + ", ".join(f"{k}={v}" for k, v in overrides.items())
    config = parse_config_text(text, source)
    if config.pop_size > MAX_POPULATION:
        raise AgentError(
            f"{source}: NEAT.pop_size = {config.pop_size:,}; at most {MAX_POPULATION:,} genomes"
        )
    return NeatConfig(text, hashlib.sha256(text.encode()).hexdigest(), config)
