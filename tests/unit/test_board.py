"""A board that cannot be misread: no numbers where nothing was played, floor scores marked
wherever they enter, and a crash never a draw."""

from arena.evaluation.leaderboard import build_leaderboard, format_leaderboard
from arena.evaluation.results import ResultLine


def line(agent, game, seed, score=None, error=None):
    cell = f"{game}/Start/seed{seed}/300"
    return ResultLine(
        job=f"{agent}|{cell}", cell=cell, game=game, state="Start", seed=seed, agent=agent,
        agent_name=agent, score=score, error=error, digest=None if error else f"{agent}{seed}",
    )  # fmt: skip


def test_no_played_episode_means_no_numbers_and_a_crash_loses(host):
    results = [
        line("random", "pong", 0, score=-3.0),
        line("random", "pong", 1, score=-5.0),
        line("jumper", "pong", 0, error="agent 'jumper' could not be built"),
        line("jumper", "pong", 1, error="agent 'jumper' could not be built"),
    ]
    board = build_leaderboard(results, host)
    jumper = next(r for r in board.rows if r.scope == "pong" and r.agent == "jumper")
    assert (jumper.mean, jumper.iqm, jumper.ci_low, jumper.distinct) == (None, None, None, 0)
    assert jumper.failed == 2 and jumper.episodes == 2
    assert board.win_rates["jumper"]["random"] == 0.0  # not 0.5: a crash never draws
    assert board.win_rates["random"]["jumper"] == 1.0
    text = format_leaderboard(board)
    assert "failed: no episode played" in text
    assert not any(
        r.agent == "jumper" and r.scope.startswith("overall") and r.mean is not None
        for r in board.rows
    )


def test_a_floor_score_inside_the_numbers_is_marked(host):
    results = [
        line("random", "pong", 0, score=-3.0),
        line("random", "pong", 1, score=-5.0),
        line("half", "pong", 0, score=-1.0),
        line("half", "pong", 1, error="worker died"),
    ]
    board = build_leaderboard(results, host)
    half = next(r for r in board.rows if r.scope == "pong" and r.agent == "half")
    assert half.floored == 1 and half.mean == (-1.0 + -5.0) / 2  # the floor: -5
    text = format_leaderboard(board)
    assert "* includes failed or forfeited cells scored at the stratum's floor" in text
    assert board.win_rates["half"]["random"] == 0.5  # won seed 0, crashed (lost) seed 1
