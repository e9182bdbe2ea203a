"""Services are called without click, as a web server will call them: typed arguments in,
progress through a callback object, typed results out."""

from arena.core.protocol import ProtocolOptions
from arena.host.entries import AgentSpec, parse_entries
from arena.services.run import RunRequest, RunStart, run
from arena.services.tournament import (
    SuiteTournamentRequest,
    TournamentRequest,
    TournamentStart,
    play_suite_tournament,
    play_tournament,
)


class Recorded:
    def __init__(self) -> None:
        self.starts: list[RunStart] = []
        self.results = []

    def started(self, start: RunStart) -> None:
        self.starts.append(start)

    def played(self, result) -> None:
        self.results.append(result)


def test_run_plays_records_and_reports_without_click(host, tmp_path):
    progress = Recorded()
    request = RunRequest(
        "airstriker", AgentSpec("random", None, "random"), episodes=2, seed=5, record=tmp_path,
        max_frames=300, protocol=ProtocolOptions(sticky=0.0),
    )  # fmt: skip
    played = run(host, request, progress)
    assert [r.seed for r in played] == [5, 6] and progress.results == played
    [start] = progress.starts
    assert start.profile.name == "airstriker" and start.players == 1
    assert start.protocol.startswith("deterministic")
    assert sorted(p.name for p in tmp_path.glob("*.bk2")) == [
        "airstriker-Level1-random-seed5.bk2", "airstriker-Level1-random-seed6.bk2",
    ]  # fmt: skip
    assert (tmp_path / "results.jsonl").read_text().count("\n") == 2


class Games:
    def __init__(self) -> None:
        self.starts: list[TournamentStart] = []
        self.games = []

    def started(self, start: TournamentStart) -> None:
        self.starts.append(start)

    def played(self, game) -> None:
        self.games.append(game)


def test_a_tournament_plays_rates_and_records_without_click(host, tmp_path):
    progress = Games()
    entries = parse_entries(["random", "random"])
    request = TournamentRequest(entries, "pong", episodes=2, max_frames=300, record=tmp_path)
    result = play_tournament(host, request, progress)
    assert [s.state for s in progress.starts] == ["Start.2P"]
    assert len(progress.games) == 4 == len(result.tournament.games)  # 2 seeds x 2 sides
    assert [p.first for p in result.tournament.pairs] == ["random-1", "random-1"]
    assert result.record == tmp_path / "tournament.json" and result.record.is_file()


class SuiteLines:
    def __init__(self) -> None:
        self.notes: list[str] = []
        self.games: list[tuple[str, str]] = []

    def note(self, line: str) -> None:
        self.notes.append(line)

    def played(self, item, game) -> None:
        self.games.append((item.game, game.player1))


def test_a_suite_tournament_plays_each_two_player_game_without_click(host, tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: pong, states: [Start.2P], seeds: [0], max_frames: 300}\n"
                     "  - {game: boxing, states: [Start], seeds: [0], max_frames: 300}\n")  # fmt: skip
    progress = SuiteLines()
    request = SuiteTournamentRequest(parse_entries(["random", "random"]), str(suite), record=tmp_path / "t")
    result = play_suite_tournament(host, request, progress)
    assert progress.games == [("pong", "random-1"), ("pong", "random-2")]
    assert any(n.startswith("left out  boxing/Start/seed0/300: a 1-player state") for n in progress.notes)
    assert [t.game for t in result.played.tournaments] == ["pong"]
    assert result.record == tmp_path / "t" / "tournaments.json" and result.record.is_file()
