"""Services are called without click, as a web server will call them: typed arguments in,
progress through a callback object, typed results out."""

from arena.core.protocol import ProtocolOptions
from arena.host.entries import AgentSpec
from arena.services.run import RunRequest, RunStart, run


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
