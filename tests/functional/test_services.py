"""Services are called without click, as a web server will call them: typed arguments in,
progress through a callback object, typed results out."""

import json

import pytest

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
    request = SuiteTournamentRequest(
        parse_entries(["random", "random"]), str(suite), record=tmp_path / "t"
    )
    result = play_suite_tournament(host, request, progress)
    assert progress.games == [("pong", "random-1"), ("pong", "random-2")]
    assert any(
        n.startswith("left out  boxing/Start/seed0/300: a 1-player state") for n in progress.notes
    )
    assert [t.game for t in result.played.tournaments] == ["pong"]
    assert result.record == tmp_path / "t" / "tournaments.json" and result.record.is_file()


class Verdicts:
    def __init__(self) -> None:
        self.results = []
        self.failures: list[str] = []

    def verified(self, result) -> None:
        self.results.append(result)

    def failed(self, problem: str) -> None:
        self.failures.append(problem)


def record_airstriker(host, folder, seeds=1):
    request = RunRequest(
        "airstriker", AgentSpec("random", None, "random"), episodes=seeds, record=folder,
        max_frames=300,
    )  # fmt: skip
    run(host, request, Recorded())
    return sorted(folder.glob("*.bk2"))


def test_replays_verify_render_and_inspect_without_click(host, tmp_path):
    from arena.services.replays import RenderRequest, VerifyRequest, inspect, render, verify

    movies = record_airstriker(host, tmp_path / "m", seeds=2)
    verdicts = Verdicts()
    assert verify(host, VerifyRequest(tmp_path / "m"), verdicts) == 2
    assert [v.movie for v in verdicts.results] == movies and not verdicts.failures
    [written] = render(host, RenderRequest(movies[0], video=tmp_path / "a.mp4", scale=1))
    assert written.path == tmp_path / "a.mp4" and written.path.stat().st_size > 0
    assert written.description == "301 frames"
    page = inspect(host, movies[0])
    assert page == movies[0].with_name(f"{movies[0].stem}.inspect") / "index.html"
    assert page.is_file()


def test_ram_search_and_watch_without_click(host, tmp_path):
    from arena.services.ram import SearchRequest, ram_search, ram_watch

    request = RunRequest(
        "mario", AgentSpec("random", None, "random"), record=tmp_path, max_frames=600,
        protocol=ProtocolOptions(sticky=0.0),
    )  # fmt: skip
    run(host, request, Recorded())
    [movie] = tmp_path.glob("*.bk2")
    found = ram_search(host, SearchRequest("mario", movie, "|u1", ["1=2"]))  # lives, stored as 2
    assert 0x075A in found.survivors and found.total == 10_240
    series = ram_watch(host, movie, 0x075A, "|u1")
    assert series[0] == (1, 2) and len(series) >= 300


def test_probe_bench_leaderboard_and_report_without_click(host, tmp_path):
    from arena.services.bench import BenchRequest, bench, leaderboard, report
    from arena.services.probes import probe

    heard = []
    probed = probe(host, "airstriker", probed=heard.append)
    assert probed.passed and probed.summary().startswith(f"{len(probed.results)} of ")
    assert heard == probed.results

    class Cells:
        def __init__(self) -> None:
            self.count = 0
            self.notes: list[str] = []

        def note(self, line: str) -> None:
            self.notes.append(line)

        def started(self, total: int) -> None:
            self.total = total

        def played(self, record) -> None:
            self.count += 1

        def finished(self) -> None:
            self.done = True

    cells = Cells()
    suite = tmp_path / "tiny.yaml"
    suite.write_text("cells:\n  - {game: airstriker, seeds: [0, 1], max_frames: 300}\n")
    request = BenchRequest(parse_entries(["random"]), str(suite), tmp_path / "b", workers=1)
    board = bench(host, request, cells)
    assert cells.total == 2 == cells.count and cells.done
    assert board.csv.is_file() and board.json.is_file()
    warnings: list[str] = []
    again = leaderboard(host, tmp_path / "b", warnings.append)
    assert again.csv == board.csv and not warnings
    page = report(host, tmp_path / "b", warnings.append)
    assert page == tmp_path / "b" / "report" / "index.html" and page.is_file()


STATES_WITHOUT_CLICK = """
import json, sys
from pathlib import Path
from arena.host.manager import PluginHost
from arena.services.run import RunRequest, run
from arena.services.states import (
    IntegrateRequest, MakeStateRequest, integrate, make_state, save_state,
)
from arena.host.entries import AgentSpec

host, out = PluginHost(), Path(sys.argv[1])

class Quiet:
    def started(self, start): pass
    def played(self, result): pass

run(host, RunRequest("mario", AgentSpec("random", None, "random"), record=out / "m",
                     max_frames=300), Quiet())
[movie] = (out / "m").glob("*.bk2")
saved = save_state(host, movie, 100, "svc-start")
said = []
made = make_state(host, MakeStateRequest("pong", '[["noop", "noop", 5]]', "Svc.2P",
                                         start="Start.2P"), said.append)
rom = out / "surround.bin"
from arena.retro import roms
rom.write_bytes(roms.ale_rom("surround.bin")[1])
built = integrate(IntegrateRequest(rom, "SvcSurround", ("game=0xF9:|u1",),
                                   start='[["RESET", "noop", 1]]', players=2,
                                   profile=out / "SvcSurround.yaml"))
print(json.dumps({
    "saved": [saved.game, saved.name, saved.path.is_file(), saved.players, saved.frames],
    "made": [made.game, made.players, made.frames, made.start, said],
    "built": [built.game, built.folder.is_dir(), built.profile.is_file()],
}))
"""


def test_states_and_integrate_without_click(tmp_path):
    """In a process of its own, with an ARENA_HOME of its own: the store is the process's."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from arena.retro import integrations

    home = tmp_path / "home"
    for game in (integrations.MARIO_GAME, "Pong-Atari2600-v0"):
        rom = integrations.find_rom(game)
        assert rom is not None
        shutil.copytree(rom.parent, home / "integrations" / game)
    (home / "wheels").symlink_to(integrations.arena_home() / "wheels")
    result = subprocess.run(
        [sys.executable, "-c", STATES_WITHOUT_CLICK, str(tmp_path)], capture_output=True,
        text=True, timeout=600, env={**os.environ, "ARENA_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    said = json.loads(result.stdout.splitlines()[-1])
    assert said["saved"] == [integrations.MARIO_GAME, "svc-start", True, 1, 100]
    assert said["made"] == [
        "Pong-Atari2600-v0",
        2,
        20,
        "Start.2P",
        ["playing 20 frames of pong from Start.2P"],
    ]
    assert said["built"] == ["SvcSurround-Atari2600-v0", True, True]


def test_roms_import_reports_each_file_without_click(tmp_path):
    from arena.services.roms import import_roms

    junk = tmp_path / "junk.nes"
    junk.write_bytes(b"not a rom" * 100)
    report = import_roms([junk])
    assert report.imported == [] and [label for label, _ in report.skipped] == [str(junk)]


@pytest.mark.slow
def test_train_runs_a_trainer_and_refuses_before_starting_without_click(host, tmp_path):
    from arena.core.errors import UsageError
    from arena.services.train import TrainRequest, train

    said: list[str] = []
    with pytest.raises(UsageError, match="is for 2 players: name the agent"):
        train(host, TrainRequest("neat-ff", "pong", state="Start.2P", out=tmp_path / "no"), said.append)
    assert not (tmp_path / "no").exists()
    options = {"generations": 1, "pop": 4, "inputs": "screen", "downscale": 8,
               "no_record": True, "backend": "local"}  # fmt: skip
    request = TrainRequest(
        "neat-ff", "airstriker", out=tmp_path / "run", workers=1, max_frames=200,
        options=options, parameters={"game": "airstriker", **options},
    )  # fmt: skip
    train(host, request, said.append)
    assert (tmp_path / "run" / "winner.ckpt").is_file()
    saved = json.loads((tmp_path / "run" / "train-args.json").read_text())
    assert saved["trainer"] == "neat-ff" and saved["parameters"]["out"] == str(tmp_path / "run")
