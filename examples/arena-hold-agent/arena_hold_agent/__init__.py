"""A minimal retro-arena plugin: an agent that holds one action for the whole episode.

arena run --game mario --agent hold --option action=right_run
"""

from __future__ import annotations

from arena import Agent, AgentContext, hookimpl
from arena.errors import AgentError, UnknownNameError


class HoldAgent(Agent):
    def __init__(self, action: int) -> None:
        self.action = action

    def act(self, observation, info, state):
        return self.action, state


def build(context: AgentContext) -> HoldAgent:
    names = context.spec.action_names
    wanted = context.options.get("action", names[-1])
    if wanted not in names:
        raise UnknownNameError("action", wanted, names)
    if set(context.options) - {"action"}:
        raise AgentError("the hold agent takes only --option action=NAME")
    return HoldAgent(names.index(wanted))


@hookimpl
def arena_register_agents(register):
    register("hold", build, "holds one action (--option action=NAME) all episode")
