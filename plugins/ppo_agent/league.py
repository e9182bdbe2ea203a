"""PPO's self-play league (``--opponent league``): the learner's snapshots, saved as model
checkpoints under ``league/`` (``arena tournament`` plays them as any other), the fixed
entries, and the OpenSkill ratings of all of them, written to ``league.csv`` beside
``train.csv`` and kept in ``league.json`` for ``--resume``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from arena import (
    LEAGUE_FIELDS,
    CsvLog,
    LeaguePool,
    LeagueRatings,
    TrainRun,
    check_league_shares,
    league_members,
    league_snapshot,
)
from arena.plugins.ppo_agent.config import PPOConfig
from arena.plugins.ppo_agent.manifest import AGENT
from arena.plugins.ppo_agent.vec_env import Episode

RECORD = "league.json"


class League:
    """The pool the learner's opponents are drawn from, and their ratings."""

    def __init__(self, run: TrainRun, config: PPOConfig, global_step: int) -> None:
        check_league_shares(config.league_latest, config.league_fixed, config.league_entries)
        self.config = config
        self.folder = run.out / "league"
        self.record = run.out / RECORD
        self.fixed = league_members(config.league_entries)
        labels: list[str] = []
        if run.resume and self.record.exists():
            self.ratings, labels = LeagueRatings.load(self.record)
        else:
            self.ratings = LeagueRatings()
        self.snapshots = [league_snapshot(label, AGENT, self.path(label)) for label in labels]
        for member in self.fixed:
            self.ratings.add(member.label)
        resumed = global_step + 1 if run.resume else None
        self.log = CsvLog(run.out / "league.csv", LEAGUE_FIELDS, keep_below=resumed)
        self.last_snapshot = _step_of(labels[-1]) if labels else None
        self.logged: int | None = global_step if run.resume else None

    def path(self, label: str) -> Path:
        return self.folder / f"{label}.ckpt"

    def pool(self) -> LeaguePool:
        return LeaguePool(
            tuple(self.snapshots),
            self.fixed,
            self.config.league_latest,
            self.config.league_fixed,
        )

    def due(self, global_step: int) -> bool:
        """Whether the learner joins the league now (at the start, then every
        ``league_snapshot_every`` steps)."""
        return (
            self.last_snapshot is None
            or global_step - self.last_snapshot >= self.config.league_snapshot_every
        )

    def snapshot(self, global_step: int, write: Callable[[Path], None]) -> str:
        """Save the learner as a member (``write(path)`` writes its model checkpoint); it
        starts from the learner's rating."""
        label = f"{AGENT}-{global_step:010d}"
        write(self.path(label))
        self.snapshots.append(league_snapshot(label, AGENT, self.path(label)))
        self.ratings.add(label, like="learner")
        self.last_snapshot = global_step
        self.write_rows(global_step)
        return label

    def played(self, episodes: Sequence[Episode]) -> None:
        for episode in episodes:
            if episode.opponent is not None and episode.outcome is not None:
                self.ratings.played(episode.opponent, episode.outcome)

    def save(self, global_step: int) -> None:
        """The ratings as of a resumable checkpoint, and their rows in ``league.csv``."""
        self.ratings.save(self.record, [m.label for m in self.snapshots])
        self.write_rows(global_step)

    def write_rows(self, global_step: int) -> None:
        """Every rating as it stands, once per step."""
        if self.logged != global_step:
            for row in self.ratings.rows(global_step):
                self.log.append(row)
            self.logged = global_step


def _step_of(label: str) -> int:
    return int(label.rsplit("-", 1)[1])
