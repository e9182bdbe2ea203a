"""Playing an episode: the agent contract, observations (the screen pipeline and plugins'
observers), the Gymnasium env, episode runners, probes, and the env slot a process keeps.

May import the layers below: emulation, profiles, retro, core.
"""
