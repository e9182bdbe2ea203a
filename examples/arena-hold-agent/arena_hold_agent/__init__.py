"""A complete retro-arena plugin: an agent that holds one action, a Breakout profile, a
benchmark suite, and an ``arena hold-sweep`` command.

    arena run --game breakout --agent hold --option action=fire
    arena bench hold --suite hold-breakout
    arena hold-sweep --game breakout
"""

from __future__ import annotations

from pathlib import Path

import click

import arena
from arena import Agent, AgentContext, hookimpl
from arena.errors import AgentError, UnknownNameError

HERE = Path(__file__).parent


class HoldAgent(Agent):
    def __init__(self, action: int) -> None:
        self.action = action

    def act(self, observation, info, state):
        return self.action, state  # (action index, next recurrent state)


def build(context: AgentContext) -> HoldAgent:
    names = context.spec.action_names
    wanted = context.options.get("action", names[-1])
    if wanted not in names:
        raise UnknownNameError("action", wanted, names)
    if set(context.options) - {"action"}:
        raise AgentError("the hold agent takes only --option action=NAME")
    return HoldAgent(names.index(wanted))


@click.command("hold-sweep")
@click.option("--game", required=True, help="a game name (see `arena roms list`)")
@click.option("--state", help="save state (default: the profile's)")
@click.option("--max-frames", type=int, default=3000, show_default=True)
def hold_sweep(game: str, state: str | None, max_frames: int) -> None:
    """Play one episode per action, holding it, and print each return."""
    env = arena.make(game, state, max_frames=max_frames)
    try:
        for index, name in enumerate(env.profile.actions):
            env.reset(seed=0)
            done, total = False, 0.0
            while not done:
                _, reward, terminated, truncated, _ = env.step(index)
                total, done = total + reward, terminated or truncated
            click.echo(f"{name:<16} return {total:g}  frames {env.frame}")
    finally:
        env.close()


@hookimpl
def arena_register_agents(register):
    register("hold", build, "holds one action (--option action=NAME) all episode")


@hookimpl
def arena_register_games(register):
    register(HERE / "breakout.yaml")


@hookimpl
def arena_register_suites(register):
    register(HERE / "hold-breakout.yaml")


@hookimpl
def arena_register_commands(register):
    register(hold_sweep)
