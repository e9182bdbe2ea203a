"""Training-only reward terms (``shaping:``, ``shaping_p2:``): which players' a profile gives.

``arena train`` adds them to each step's reward; nothing that keeps a score counts them (see
:class:`~arena.play.env.ArenaEnv`).
"""

from __future__ import annotations

from arena.profiles.builds import Fail


def shaping_keys(has_p1: bool, has_p2: bool, two_players: bool, fail: Fail) -> tuple[str, ...]:
    """The keys whose terms to compile, in player order: none, ``shaping``, or both; player 2's
    exactly when player 2 has rewards (``reward_p2``) and player 1 has shaping."""
    if not has_p1:
        if has_p2:
            raise fail("shaping_p2", "given without 'shaping' (player 1's terms)")
        return ()
    if has_p2 and not two_players:
        raise fail("shaping_p2", "given without 'reward_p2': there is no player 2")
    if two_players and not has_p2:
        raise fail(
            "shaping_p2", "missing: player 2 has rewards (reward_p2), so it needs shaping too"
        )
    return ("shaping", "shaping_p2") if two_players else ("shaping",)
