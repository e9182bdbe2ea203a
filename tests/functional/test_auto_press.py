"""A profile's auto_press: the arena serves Pong for either seat (part of issue #14), the
presses are recorded like any input, and a bad block is one clear line."""

import pytest

from arena.core.errors import ArenaError, ProfileError
from arena.play.env import ArenaEnv
from conftest import arena, profile_copy


def test_pong_serves_itself_so_an_idle_two_player_game_plays_to_the_end(make_env):
    env = make_env("pong", "Start.2P")
    _, info = env.reset(seed=0)
    noop = env.profile.action_names.index("noop")
    served = 0
    for _ in range(2000):
        _, _, terminated, truncated, info = env.step((noop, noop))
        served += info["auto_press"] == ["serve"]
        if terminated or truncated:
            break
    # Without the press the game stalled after its first point: seat 2's serve never came.
    assert info["done_reason"] == "game_over" and info["score1"] + info["score2"] >= 21
    assert served > 0 and info["frame"] < 4000


def test_pong_serves_after_seat_2_points_too(make_env):
    # Seat 2 follows the ball; seat 1 stands still. After seat 2's points the ball waits for
    # controller 2's RIGHT, which no action holds: the profile pressing only controller 1's
    # button stalled such a game at 1-1 until its time limit.
    env = make_env("pong", "Start.2P")
    _, info = env.reset(seed=0)
    noop, up, down = (env.profile.action_names.index(a) for a in ("noop", "up", "down"))
    while True:
        ball, paddle = info["ball_y"], info["p2_pos"]
        follow = noop if ball == 0 or abs(paddle - ball) <= 8 else up if paddle > ball else down
        _, _, terminated, truncated, info = env.step((noop, follow))
        if terminated or truncated:
            break
    assert info["done_reason"] == "game_over" and info["frame"] < 12_000
    assert (info["score1"], info["returns"][1]) == (21, 21 - info["score2"])  # seat 2 won


@pytest.mark.slow
def test_the_presses_are_in_the_movie_and_replay_exactly(tmp_path):
    out = tmp_path / "games"
    played = arena(
        "match", "random", "random", "--game", "pong", "--episodes", "1", "--max-frames", "3000",
        "--record", str(out),
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    verified = arena("verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr


BAD = [
    ({"serve": {"when": "ball_y == 0", "buttons": ["P1:BUTON"]}},
     r"auto_press.serve.buttons: unknown button 'BUTON' \(did you mean 'BUTTON'\?\)"),
    ({"serve": {"when": "bal_y == 0", "buttons": ["BUTTON"]}},
     r"auto_press.serve.when.*unknown name 'bal_y' \(did you mean 'ball_y'\?\)"),
    ({"serve": {"when": "ball_y == 0", "buttons": []}},
     r"auto_press.serve.buttons: .*a list of at least one button"),
]  # fmt: skip


@pytest.mark.parametrize(("block", "message"), BAD)
def test_a_bad_auto_press_is_one_line_naming_the_key(tmp_path, host, block, message):
    path = profile_copy(tmp_path, "pong", f"bad{BAD.index((block, message))}", auto_press=block)
    with pytest.raises(ArenaError, match=message):
        ArenaEnv(host.profile(str(path)), "Start.2P")
    checked = arena("info", str(path))
    assert checked.returncode == 2 and len(checked.stderr.strip().splitlines()) == 1


def test_a_controller_the_game_lacks_is_refused(tmp_path, host):
    press = {"fire": {"when": "frame > 0", "buttons": ["P2:B"]}}
    path = profile_copy(tmp_path, "airstriker", "air", auto_press=press)
    with pytest.raises(ProfileError, match=r"'P2:B': the states have 1 controller\(s\)"):
        host.profile(str(path))
