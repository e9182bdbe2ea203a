"""A benchmark's results file: one typed line per cell an entry played or failed.

``arena bench`` appends a :class:`ResultLine` per cell to ``results.jsonl`` in its ``--out``
folder (one writer, one whole line at a time); the leaderboard, the report and ``--resume``
read them back with :func:`read_results`, which treats the file as something a stranger may
have edited: a damaged line is reported by number and skipped, never trusted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arena.core.files import append_line, name_in
from arena.core.limits import MAX_RETURN
from arena.core.models import first_error
from arena.core.protocol import Protocol
from arena.core.reading import loads_json, read_regular_text

if TYPE_CHECKING:
    from arena.play.runner import EpisodeResult

RESULTS = "results.jsonl"
"""The file's name in a benchmark's folder."""


class ResultLine(BaseModel):
    """One cell of one entry: where and how it was played, and what came of it. A line holds
    ``return`` (and the episode's numbers) when the cell was played, ``error`` when it could
    not be; fields it does not name are kept as they are."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    job: str
    """``LABEL|CELL``: what ``--resume`` skips."""
    cell: str
    game: str
    state: str
    seed: int
    max_frames: int | None = None
    source: str = ""
    """The suite's name for a game given as a profile path."""
    agent: str
    """The entry's label."""
    agent_name: str | None = None
    checkpoint: str | None = None
    agent_options: dict[str, str] = Field(default_factory=dict)
    protocol: Protocol = Protocol()
    error: str | None = None
    score: Annotated[
        float | None, Field(alias="return", allow_inf_nan=False, ge=-MAX_RETURN, le=MAX_RETURN)
    ] = None
    """The episode's return (player 1's)."""
    frames: int | None = None
    progress: float | None = None
    done_reason: str | None = None
    forfeit: str | None = None
    noops: int | None = None
    digest: str | None = None
    """The episode's fingerprint: identical episodes are one sample."""
    movie: str | None = None
    seconds: float | None = None

    @property
    def played(self) -> bool:
        """Whether an episode was played to its end (not failed, not forfeited)."""
        return self.error is None and not self.forfeit

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def baseline_name(self) -> str:
        """The agent's registered name (older lines have only the label)."""
        return self.agent_name or self.agent

    def played_under(self) -> Protocol:
        return self.protocol

    def to_json(self) -> str:
        """The line as written: only the fields it was given, ``return`` by that name."""
        return self.model_dump_json(by_alias=True, exclude_unset=True)


def episode_fields(result: EpisodeResult, folder: Path) -> dict[str, Any]:
    """What a results line says of a played episode (its movie named from ``folder``)."""
    return {
        "score": result.episode_return,
        "frames": result.frames,
        "progress": result.progress,
        "done_reason": result.done_reason,
        "forfeit": result.forfeit,
        "noops": result.noops,
        "digest": result.digest,
        "movie": None if result.movie is None else name_in(folder, result.movie),
        "seconds": round(result.seconds, 3),
    }


def append_result(path: Path, line: ResultLine) -> None:
    """Append ``line`` whole or not at all."""
    append_line(path, line.to_json())


def read_results(path: Path) -> tuple[list[ResultLine], list[str]]:
    """The cells of a results file, and one message per damaged line (with its number) that
    was skipped: a line cut by a crash, edited by hand, or of the wrong shape."""
    rows, damaged = [], []
    for number, text in enumerate(read_regular_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = ResultLine.model_validate(loads_json(text))
        except ValueError as exc:  # JSON and pydantic errors alike
            reason = "not JSON" if isinstance(exc, json.JSONDecodeError) else _first_problem(exc)
            damaged.append(f"{path} line {number}: damaged ({reason}); skipped")
            continue
        if line.error is None and line.score is None:
            damaged.append(
                f"{path} line {number}: damaged (neither a return nor an error); skipped"
            )
            continue
        rows.append(line)
    return rows, damaged


def load_results(path: Path) -> list[ResultLine]:
    """Every cell of a results file: played ones and failed ones (with an ``error``)."""
    return read_results(path)[0]


def _first_problem(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        where, problem, _ = first_error(exc)
        return f"{where}: {problem}"
    return str(exc)
