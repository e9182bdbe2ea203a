"""Sonic 2 and Street Fighter II rules on synthetic RAM traces (their ROMs cannot ship), and
Pong's per-player rewards. The engine is fed RAM values exactly as the emulator would feed it."""


import pytest

from arena.profiles.rules import RuleEngine
from conftest import engine_for


def play(engine, base, trace, frame_skip=4):
    """Feed ``trace`` (a list of RAM updates); return per-step (rewards, done_reason)."""
    engine.reset({**base, **trace[0]})
    ram, out = {**base, **trace[0]}, []
    for step, update in enumerate(trace[1:], start=1):
        ram.update(update)
        outcome = engine.step(dict(ram), frame=1 + step * frame_skip, step=step)
        out.append((outcome.rewards, outcome.done_reason))
        if outcome.done_reason:
            break
    return out


def contest_reward(xs, end_x, frames):
    """The Retro Contest's contest_reward from script.lua, step by step, written independently."""
    x0, prev, rewards = xs[0], 0.0, []
    for x, frame in zip(xs[1:], frames[1:], strict=True):
        progress = min(max((x - x0) / (end_x - x0), 0), 1)
        reward = (progress - prev) * 9000
        prev = progress
        if progress >= 1:
            reward += (1 - min(max(frame / 18000, 0), 1)) * 1000
        rewards.append(reward)
    return rewards


def test_sonic2_contest_reward_and_act_end():
    profile, engine, base = engine_for("sonic2", "EmeraldHillZone.Act1")
    end_x = profile.states["EmeraldHillZone.Act1"].constants["end_x"]
    xs = [96, 96, 200, 150, 1000, 5000, 9000, 10500, int(end_x) + 40]
    trace = [{"x": x, "lives": 3} for x in xs]
    steps = play(engine, base, trace)
    expected = contest_reward(xs, end_x, [1 + 4 * i for i in range(len(xs))])
    assert [r[0][0] for r in steps] == pytest.approx(expected)
    assert steps[-1][1] == "act_end"
    assert sum(expected) == pytest.approx(9000 + (1 - 33 / 18000) * 1000)
    assert engine.term_totals[0]["completion"] == pytest.approx((1 - 33 / 18000) * 1000)


def test_sonic2_done_on_lost_life_and_bonus_stage():
    _, engine, base = engine_for("sonic2")
    steps = play(engine, base, [{"x": 96, "lives": 3}, {"x": 120}, {"x": 130, "lives": 2}])
    assert steps[-1][1] == "life_lost"
    _, engine, base = engine_for("sonic2")
    steps = play(engine, base, [{"x": 96, "lives": 3}, {"x": 120, "game_mode": 16}])
    assert steps[-1][1] == "bonus_stage"


def test_sf2_damage_round_bonus_and_match_end():
    _, engine, base = engine_for("sf2")
    full = {"health": 176, "enemy_health": 176, "matches_won": 0, "enemy_matches_won": 0}
    trace = [
        full,
        {"enemy_health": 150},  # dealt 26
        {"health": 160, "enemy_health": 140},  # took 16, dealt 10
        {"enemy_health": -1, "matches_won": 1},  # KO: dealt 141 and won the round (+100)
        {"health": 176, "enemy_health": 176},  # next round: refills are not damage
        {"health": 100},  # took 76
        {"enemy_health": 0, "matches_won": 2},  # dealt 176, won the round and the match
    ]
    steps = play(engine, base, trace)
    assert [r[0][0] for r in steps] == [26, -6, 241, 0, -76, 276]
    assert steps[-1][1] == "match_over"
    assert [r[1] for r in steps[:-1]] == [None] * 5


def test_sf2_round_limit_and_player_two_view():
    profile, engine, base = engine_for("sf2")
    assert len(profile.rewards) == 2  # ready for a 2-player state the user saves
    trace = [
        {"health": 176, "enemy_health": 176},
        {"health": 100, "enemy_matches_won": 1},
        {"matches_won": 1},
        {"enemy_matches_won": 1, "matches_won": 2},
    ]
    assert play(engine, base, trace[:3])[-1][1] is None
    engine2 = RuleEngine(profile, profile.state(None))
    engine2.constants["max_rounds"] = 2
    assert play(engine2, base, trace)[1][1] == "round_limit"


def test_pong_two_players_get_opposite_rewards():
    _, engine, base = engine_for("pong", "Start.2P")
    trace = [{"score1": 0, "score2": 0}, {"score2": 1}, {"score1": 1}, {"score1": 2}]
    steps = play(engine, base, trace)
    assert [r[0] for r in steps] == [[1, -1], [-1, 1], [-1, 1]]


def test_pong_game_over_and_the_arena_serves_while_the_ball_is_out():
    _, engine, base = engine_for("pong")
    assert play(engine, base, [{"score1": 20}, {"score1": 21}])[-1][1] == "game_over"
    _, engine, base = engine_for("pong")
    engine.reset({**base, "ball_y": 0})  # out of play at the start: the serve is pressed
    pressing = [engine.pressing]
    for step, ball_y in enumerate([120, 0, 7], start=1):
        engine.step({**base, "ball_y": ball_y}, frame=1 + 4 * step, step=step)
        pressing.append(engine.pressing)
    assert pressing == [("serve",), (), ("serve",), ()]
