"""People's games on the boards: a 1-player game is a results line beside the agents'
(``arena leaderboard``), a 2-player game is a game of the people's tournament of its game and
state (``arena report``), both under the protocol they were played under, so a person's games
never pool with agents' play."""

from __future__ import annotations

from pathlib import Path

from arena.core.files import name_in
from arena.core.locks import taking_turns
from arena.core.protocol import Protocol
from arena.evaluation.bench import Cell
from arena.evaluation.match import (
    TOURNAMENT,
    Game,
    Tournament,
    _winner,
    read_tournament,
    write_tournament,
)
from arena.evaluation.results import RESULTS, ResultLine, append_result, episode_fields
from arena.play.runner import EpisodeResult


def add_result_line(
    runs: Path, result: EpisodeResult, max_frames: int | None, name: str
) -> Path:
    """Append a 1-player game to ``runs/results.jsonl`` as a cell of its game, state and
    seed; return the file."""
    cell = Cell(result.profile, result.state, result.seed, max_frames or 0)
    line = ResultLine(
        job=f"{result.agent}|{cell.id}",
        cell=cell.id,
        game=cell.game,
        state=cell.state,
        seed=cell.seed,
        max_frames=max_frames,
        agent=result.agent,
        agent_name=name,
        protocol=Protocol.model_validate(result.protocol),
        **episode_fields(result, runs),
    )
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / RESULTS
    with taking_turns(runs):
        append_result(path, line)
    return path


def add_tournament_game(folder: Path, result: EpisodeResult, seats: tuple[str, str]) -> Path:
    """Add a 2-player game to the people's tournament in ``folder`` (its ratings derived
    again from all its games); return the tournament file."""
    protocol = Protocol.model_validate(result.protocol)
    game = Game(
        seats[0],
        seats[1],
        result.seed,
        result.returns,
        _winner(seats[0], seats[1], result.returns),
        result.forfeit,
        None if result.movie is None else name_in(folder, result.movie),
        result.gains,
    )
    folder.mkdir(parents=True, exist_ok=True)
    with taking_turns(folder):
        games = [game]
        if (folder / TOURNAMENT).is_file():
            games = [*read_tournament(folder / TOURNAMENT).games, game]
        agents = list(dict.fromkeys(n for g in games for n in (g.player1, g.player2)))
        played = Tournament(result.profile, result.state, protocol, agents, games)
        return write_tournament(folder, played)
