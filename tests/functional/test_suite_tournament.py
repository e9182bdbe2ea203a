"""`arena tournament AGENTS --suite NAME`: every pairing on every 2-player game of a suite,
each game rated and its seat advantage measured, and ratings over all of them; a page of it."""

import json
import shlex

import pytest

import docs_pages
from conftest import arena


@pytest.mark.slow
def test_duel_plays_six_two_player_games_rated_per_game_and_overall(tmp_path):
    """The issue's finish line, as a user types it: the free 2-player games, two random agents."""
    lines = docs_pages.command_lines("docs/tournaments.md")
    [line] = [x for x in lines if "--suite duel --record" in x]
    assert line == "arena tournament random random --suite duel --record runs/duel"
    result = arena(*shlex.split(line)[1:], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    games = ["pong", "fishing_derby", "combat", "boxing", "surround", "joust", "space_war"]
    for game in games:
        assert f"\n{game} Start.2P:\n" in out
    assert out.count("seat advantage: ") == 7
    assert "overall, 14 pairs on 7 games:" in out
    record = json.loads((tmp_path / "runs" / "duel" / "tournaments.json").read_text())
    assert [g["game"] for g in record["games"]] == games
    assert [s["pairs"] for s in record["standings"]] == [14, 14]
    page = arena("report", str(tmp_path / "runs" / "duel"))
    assert page.returncode == 0, page.stderr
    html = (tmp_path / "runs" / "duel" / "report" / "index.html").read_text()
    assert "Overall ratings" in html and html.count('<td><a href="../') == 7
    assert (tmp_path / "runs" / "duel" / "combat-Start.2P" / "report" / "index.html").is_file()


def test_a_mixed_suite_plays_its_two_player_cells_and_names_the_rest(tmp_path):
    suite = tmp_path / "mixed.yaml"
    suite.write_text(
        "cells:\n"
        "  - {game: boxing, states: [Start], seeds: [0], max_frames: 600}\n"
        "  - {game: combat, states: [Start.2P], seeds: [0], max_frames: 600}\n"
    )
    result = arena("tournament", "random", "random", "--suite", str(suite))
    assert result.returncode == 0, result.stderr
    assert "left out  boxing/Start/seed0/600: a 1-player state: arena bench --suite plays it" in (
        result.stdout
    )
    assert "overall, 1 pairs on 1 games:" in result.stdout
    bench = arena("bench", "random", "--suite", str(suite), "--out", str(tmp_path / "b"))
    assert bench.returncode == 0, bench.stderr
    assert "left out  combat/Start.2P/seed0/600: a 2-player state: arena tournament --suite" in (
        bench.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--suite", "smoke"], "suite 'smoke' has no cell for 2 player(s). arena bench --suite smoke"),
        (["--suite", "duel", "--game", "pong"], "--suite plays the suite's games, states and seeds: drop --game"),
        (["--suite", "duel", "--episodes", "3"], "drop --episodes"),
        (["--suite", "dual"], "unknown suite 'dual' (did you mean 'duel'?)"),
        (["--suite", "duel", "--max-frames", str(10**12)], "--max-frames: at most 2160000, got 1000000000000"),
        ([], "arena tournament needs --game or --suite"),
    ],
)  # fmt: skip
def test_bad_suite_tournaments_are_one_clear_line(args, message):
    result = arena("tournament", "random", "random", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"suite": "duel", "agents": ["a", "b"], "games": [{"folder": "../elsewhere"}]},
         "not a suite tournament (games.0.folder"),
        ({"suite": "duel", "agents": ["a", "b"], "games": [{"folder": ".."}]},
         "not a suite tournament (games.0.folder"),
        ({"suite": "duel", "agents": ["a", "b"], "games": [{"folder": "."}]},
         "not a suite tournament (games.0.folder"),
        ({"suite": "duel", "agents": ["a"], "games": [{"folder": "x"}]}, "not a suite tournament (agents"),
        ("not json", "not a suite tournament (not JSON"),
    ],
)  # fmt: skip
def test_a_shared_suite_tournament_is_checked_before_it_is_read(tmp_path, record, message):
    (tmp_path / "tournaments.json").write_text(
        record if isinstance(record, str) else json.dumps(record)
    )
    result = arena("report", str(tmp_path))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "report").exists()


@pytest.mark.slow
def test_two_cells_of_one_game_and_state_keep_a_folder_each(tmp_path):
    suite = tmp_path / "twice.yaml"
    suite.write_text(
        "cells:\n"
        "  - {game: pong, states: [Start.2P], seeds: [0], max_frames: 300}\n"
        "  - {game: pong, states: [Start.2P], seeds: [0], max_frames: 600}\n"
    )
    record = tmp_path / "t"
    result = arena("tournament", "random", "random", "--suite", str(suite), "--record", str(record))
    assert result.returncode == 0, result.stderr
    games = json.loads((record / "tournaments.json").read_text())["games"]
    assert [g["folder"] for g in games] == ["pong-Start.2P", "pong-Start.2P-2"]
    movies = [sorted((record / g["folder"]).rglob("*.json")) for g in games]
    frames = [{json.loads(m.read_text()).get("max_frames") for m in ms} - {None} for ms in movies]
    assert frames == [{300}, {600}]  # each game its own cell's, none overwritten
    assert "overall, 2 pairs on 2 games:" in result.stdout
    assert arena("report", str(record)).returncode == 0


def test_returns_no_page_can_show_are_refused(tmp_path):
    record = tmp_path / "t"
    played = arena("tournament", "random", "random", "--game", "pong", "--max-frames", "120",
                   "--record", str(record))  # fmt: skip
    assert played.returncode == 0, played.stderr
    path = record / "tournament.json"
    data = json.loads(path.read_text())
    data["games"][0]["returns"] = [1e308, -1e308]
    path.write_text(json.dumps(data))
    result = arena("report", str(record))
    assert result.returncode == 2 and "games.0.returns.0" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
