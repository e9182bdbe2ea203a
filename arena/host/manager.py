"""Finds plugins, calls their registration hooks and owns the names they register.

Every plugin, the built-in ones included, is found through the ``retro_arena`` entry-point
group. A plugin that fails to import, or whose hook raises, is recorded with the reason and
the others still load. Two plugins registering the same name is a conflict: ``arena plugins``
shows it (and exits non-zero), that name is refused wherever it is asked for, naming both
plugins, and every other name keeps working.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
import pluggy

from arena.core.errors import AgentError, ArenaError, PluginError, UnknownNameError, UsageError
from arena.host import hookspecs
from arena.host.entries import LABEL, AgentSpec, Entry
from arena.host.options import AgentOptions, read_options
from arena.host.trainer import Trainer
from arena.play import observers
from arena.play.agents import Agent, AgentContext, AgentFactory, ObservationFor
from arena.play.checkpoints import read_manifest
from arena.play.env import ArenaEnv, GameSpec
from arena.play.observers import BuilderEntry
from arena.profiles.loading import Profile, load_profile


@dataclass
class PluginRecord:
    """One plugin as ``arena plugins`` shows it."""

    name: str
    origin: str
    agents: list[str] = field(default_factory=list)
    games: list[str] = field(default_factory=list)
    suites: list[str] = field(default_factory=list)
    trainers: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class AgentEntry:
    name: str
    factory: AgentFactory
    description: str
    plugin: str
    observation: ObservationFor | None = None
    options: AgentOptions | None = None
    """The options it declares (None: it reads ``--option`` text itself)."""
    games: frozenset[str] | None = None
    """The profiles it can play (None: any)."""
    checkpoint: bool | None = None
    """True: it plays a checkpoint and needs one; False: it takes none; None: undeclared."""

    def check_checkpoint(self, checkpoint: Path | None, entry: str | None = None) -> None:
        """Refuse, before anything is built, a checkpoint this agent declares it takes none
        of, a missing one it declares it needs, or a path that is not there. ``entry`` is
        the bench entry's label, named in the message."""
        who = f"entry {entry!r}: " if entry and entry != self.name else ""
        if checkpoint is not None and self.checkpoint is False:
            raise UsageError(
                f"{who}agent {self.name!r} takes no checkpoint, and {checkpoint} was given",
                "drop the checkpoint",
            )
        if checkpoint is None and self.checkpoint is True:
            raise UsageError(
                f"{who}agent {self.name!r} plays a trained checkpoint, and none was given",
                f"give one (`arena train {self.name} --game GAME` writes one)",
            )
        if checkpoint is not None and not checkpoint.exists():
            raise UsageError(f"{who}no such checkpoint {checkpoint}")

    def read_options(self, given: Mapping[str, str]) -> dict[str, Any]:
        """An entry's ``KEY=VALUE`` text checked and typed against the declared options."""
        return read_options(self.name, self.options, given)


@dataclass(frozen=True)
class CheckpointEntry:
    """A trained checkpoint a plugin ships, named in entries as ``AGENT:NAME``."""

    name: str
    path: Path
    description: str
    plugin: str


@dataclass(frozen=True)
class TrainerEntry:
    name: str
    trainer: Trainer
    plugin: str


@dataclass(frozen=True)
class GameEntry:
    name: str
    path: Path
    plugin: str


class PluginHost:
    """The loaded plugins and everything they registered."""

    def __init__(
        self, extra_plugins: Iterable[tuple[str, Any]] = (), entry_points: bool = True
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.agents: dict[str, AgentEntry] = {}
        self.games: dict[str, GameEntry] = {}
        self.trainers: dict[str, TrainerEntry] = {}
        self.suites: dict[str, GameEntry] = {}
        self.commands: dict[str, click.Command] = {}
        self.command_plugins: dict[str, str] = {}
        self.observations: dict[str, BuilderEntry] = {}
        self.checkpoints: dict[str, CheckpointEntry] = {}
        self.conflicts: list[str] = []
        self.clashes: dict[tuple[str, str], str] = {}
        """(kind, name) -> the conflict, for every name two plugins registered."""
        self._profiles: dict[str, Profile] = {}
        if entry_points:
            self._load_entry_points()
        for name, plugin in extra_plugins:
            self._register(name, f"module {getattr(plugin, '__name__', plugin)!r}", plugin)
        self._collect()

    # -- loading -------------------------------------------------------------------------

    def _load_entry_points(self) -> None:
        found = importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)
        for ep in sorted(found, key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            origin = f"{dist.name} {dist.version} ({ep.value})" if dist else ep.value
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must not take the others down
                self.records[ep.name] = PluginRecord(
                    ep.name, origin, error=_describe(exc, "import")
                )
                continue
            self._register(ep.name, origin, plugin)

    def _register(self, name: str, origin: str, plugin: Any) -> None:
        record = PluginRecord(name, origin)
        self.records[name] = record
        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            record.error = _describe(exc, "registration")

    def _collect(self) -> None:
        """Call each plugin's registration hooks, tracking who registered which name."""
        hooks = (
            (self.pm.hook.arena_register_agents, self._agent_registrar),
            (self.pm.hook.arena_register_games, self._game_registrar),
            (self.pm.hook.arena_register_trainers, self._trainer_registrar),
            (self.pm.hook.arena_register_suites, self._suite_registrar),
            (self.pm.hook.arena_register_commands, self._command_registrar),
            (self.pm.hook.arena_register_observations, self._observation_registrar),
            (self.pm.hook.arena_register_checkpoints, self._checkpoint_registrar),
        )
        for hook, registrar in hooks:
            # Each implementation is called on its own (not through the combined hook call)
            # so names are attributed to their plugin and one plugin's failure stays its own.
            for impl in hook.get_hookimpls():
                record = self.records[impl.plugin_name]
                try:
                    impl.function(register=registrar(record))
                except Exception as exc:
                    record.error = _describe(exc, hook.name)
        self._drop_clashing_names()

    def _agent_registrar(self, record: PluginRecord) -> hookspecs.RegisterAgent:
        def register(
            name: str,
            factory: AgentFactory,
            description: str = "",
            observation: ObservationFor | None = None,
            options: AgentOptions | None = None,
            games: Iterable[str] | None = None,
            checkpoint: bool | None = None,
        ) -> None:
            if not isinstance(name, str) or not name or not callable(factory):
                raise PluginError(f"plugin {record.name!r} registered a malformed agent {name!r}")
            if options is not None and not all(isinstance(o, click.Option) for o in options):
                raise PluginError(
                    f"plugin {record.name!r}: agent {name!r} options must be click.Option objects"
                )
            if isinstance(games, str):
                games = [games]
            if name in self.agents:
                self._conflict("agent", name, self.agents[name].plugin, record.name)
                return
            self.agents[name] = AgentEntry(
                name,
                factory,
                description,
                record.name,
                observation,
                None if options is None else tuple(options),
                None if games is None else frozenset(games),
                None if checkpoint is None else bool(checkpoint),
            )
            record.agents.append(name)

        return register

    def _yaml_registrar(
        self, record: PluginRecord, kind: str, table: dict[str, GameEntry], names: list[str]
    ) -> hookspecs.RegisterGame:
        """``register(path)`` for YAML files named by their stem: games and suites."""

        def register(path: Path | str) -> None:
            path = Path(path)
            if path.suffix not in (".yaml", ".yml"):
                raise PluginError(f"plugin {record.name!r} registered {path}, not a .yaml file")
            if path.stem in table:
                self._conflict(kind, path.stem, table[path.stem].plugin, record.name)
                return
            table[path.stem] = GameEntry(path.stem, path, record.name)
            names.append(path.stem)

        return register

    def _game_registrar(self, record: PluginRecord) -> hookspecs.RegisterGame:
        return self._yaml_registrar(record, "game", self.games, record.games)

    def _suite_registrar(self, record: PluginRecord) -> hookspecs.RegisterSuite:
        return self._yaml_registrar(record, "suite", self.suites, record.suites)

    def _trainer_registrar(self, record: PluginRecord) -> hookspecs.RegisterTrainer:
        def register(name: str, trainer: Trainer) -> None:
            if not isinstance(name, str) or not name or not isinstance(trainer, Trainer):
                raise PluginError(f"plugin {record.name!r} registered a malformed trainer {name!r}")
            if name in self.trainers:
                self._conflict("trainer", name, self.trainers[name].plugin, record.name)
                return
            self.trainers[name] = TrainerEntry(name, trainer, record.name)
            record.trainers.append(name)

        return register

    def _command_registrar(self, record: PluginRecord) -> hookspecs.RegisterCommand:
        def register(command: click.Command) -> None:
            if not isinstance(command, click.Command) or not command.name:
                raise PluginError(f"plugin {record.name!r} registered {command!r}, not a command")
            if command.name in self.commands:
                first = self.command_plugins[command.name]
                self._conflict("command", command.name, first, record.name)
                return
            self.commands[command.name] = command
            self.command_plugins[command.name] = record.name
            record.commands.append(command.name)

        return register

    def _observation_registrar(self, record: PluginRecord) -> hookspecs.RegisterObservation:
        def register(name: str, builder: observers.Builder, description: str = "") -> None:
            if not isinstance(name, str) or not name or not callable(builder):
                raise PluginError(
                    f"plugin {record.name!r} registered a malformed observation builder {name!r}"
                )
            if name in self.observations:
                first = self.observations[name].plugin
                self._conflict("observation builder", name, first, record.name)
                return
            self.observations[name] = BuilderEntry(name, builder, description, record.name)
            record.observations.append(name)

        return register

    def _checkpoint_registrar(self, record: PluginRecord) -> hookspecs.RegisterCheckpoint:
        def register(name: str, path: Path | str, description: str = "") -> None:
            if not isinstance(name, str) or not LABEL.fullmatch(name):
                raise PluginError(
                    f"plugin {record.name!r} registered a checkpoint named {name!r}; a name is "
                    "letters, digits, '.', '_' and '-'"
                )
            if name in self.checkpoints:
                first = self.checkpoints[name].plugin
                self._conflict("checkpoint", name, first, record.name)
                return
            self.checkpoints[name] = CheckpointEntry(name, Path(path), description, record.name)
            record.checkpoints.append(name)

        return register

    def _conflict(self, kind: str, name: str, first: str, second: str) -> None:
        message = (
            f"{kind} {name!r} is registered by two plugins, {first!r} and {second!r}; "
            f"uninstall one of them or rename the {kind} in one"
        )
        self.conflicts.append(message)
        self.clashes[(kind, name)] = message

    def _drop_clashing_names(self) -> None:
        """A name two plugins registered belongs to neither: only it is refused (by
        :meth:`refuse_clash`), and every other name works."""
        tables: dict[str, dict[str, Any]] = {
            "agent": self.agents,
            "game": self.games,
            "suite": self.suites,
            "trainer": self.trainers,
            "command": self.commands,
            "observation builder": self.observations,
            "checkpoint": self.checkpoints,
        }
        for kind, name in self.clashes:
            tables[kind].pop(name, None)

    # -- lookups -------------------------------------------------------------------------

    def refuse_clash(self, kind: str, name: str) -> None:
        """Raise :class:`PluginError` naming both plugins if two registered ``name``."""
        if (kind, name) in self.clashes:
            raise PluginError(self.clashes[(kind, name)])

    def agent(self, name: str) -> AgentEntry:
        self.refuse_clash("agent", name)
        if name not in self.agents:
            raise UnknownNameError("agent", name, self.agents, "see `arena plugins`")
        return self.agents[name]

    def profile(self, name_or_path: str) -> Profile:
        """A registered game by name, or a profile YAML by path; validated once and cached."""
        self.refuse_clash("game", name_or_path)
        if name_or_path not in self._profiles:
            if name_or_path in self.games:
                entry = self.games[name_or_path]
                profile = load_profile(entry.path, entry.name)
            elif name_or_path.endswith((".yaml", ".yml")):
                profile = load_profile(Path(name_or_path))
            else:
                raise UnknownNameError(
                    "game", name_or_path, self.games, "or give the path of a profile .yaml"
                )
            self._profiles[name_or_path] = profile
        return self._profiles[name_or_path]

    def resolve(self, spec: AgentSpec | Entry) -> Entry:
        """The entry resolved once, failing before anything is played: an unknown agent, an
        option it does not declare or a value its type refuses, a checkpoint it takes none
        of, a missing one it needs, and one that is not there or not its own (reading the
        manifest). An :class:`Entry` is returned as it is."""
        if isinstance(spec, Entry):
            return spec
        spec = self.shipped_checkpoint(spec)
        entry = self.agent(spec.name)
        checkpoint = spec.checkpoint_path
        entry.check_checkpoint(checkpoint, spec.label)
        options = entry.read_options(spec.options)
        observation = {} if entry.observation is None else entry.observation(checkpoint, options)
        trained_on = trained_game = None
        if checkpoint is not None:
            try:
                named = read_manifest(checkpoint).get("profile")
            except ArenaError:
                named = None  # not an arena checkpoint: its agent reads it in its own words
            if isinstance(named, str):
                trained_on = named
                known = self.games.get(named)
                if known is not None:
                    with contextlib.suppress(ArenaError):
                        trained_game = self.profile(named).game
        return Entry(spec, options, observation, entry.games, trained_on, trained_game)

    def shipped_checkpoint(self, spec: AgentSpec) -> AgentSpec:
        """``spec`` with a shipped checkpoint's name (``neat-ff:mario-1-1``) replaced by its
        path; a file of that name in the working folder is a path, and stays one."""
        name = spec.checkpoint
        if name is None or Path(name).exists():
            return spec
        self.refuse_clash("checkpoint", name)
        shipped = self.checkpoints.get(name)
        return spec if shipped is None else replace(spec, checkpoint=str(shipped.path))

    def resolve_entries(self, specs: Iterable[AgentSpec | Entry]) -> list[Entry]:
        """Every entry resolved (:meth:`resolve`), in order."""
        return [self.resolve(spec) for spec in specs]

    def build_agent(
        self,
        spec: AgentSpec | Entry,
        game: GameSpec,
        seed: int,
        player: int = 0,
        greedy: bool = True,
    ) -> Agent:
        """The agent of an entry for seat ``player`` (0 or 1) of ``game``, built by the
        factory its plugin registered: the one way every command builds agents."""
        entry = self.resolve(spec)
        agent = self.agent(entry.name)
        refusal = entry.refuses_game(game.profile)
        if refusal:
            raise UsageError(refusal, "see `arena plugins`")
        context = AgentContext(
            game, seed, entry.checkpoint, dict(entry.options), player, greedy
        )
        try:
            return agent.factory(context)
        except ArenaError:
            raise
        except Exception as exc:  # a plugin's bug: say whose
            raise AgentError(
                f"agent {entry.name!r} (plugin {agent.plugin!r}) could not be built: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def build_players(
        self, spec: AgentSpec | Entry, env: ArenaEnv, seed: int, greedy: bool = True
    ) -> list[Agent]:
        """One agent of an entry per player of ``env``, each told its own seat."""
        entry = self.resolve(spec)
        return [
            self.build_agent(entry, env.spec_for(player), seed, player, greedy)
            for player in range(env.players)
        ]

    def profile_for_movie(self, sidecar: Mapping[str, Any], movie: Path | None = None) -> Profile:
        """The profile a recorded episode was played with: by name, else from its source file
        (named relative to the movie's folder; older sidecars name it absolutely)."""
        name = str(sidecar.get("profile", ""))
        if name in self.games:
            return self.profile(name)
        source = sidecar.get("profile_source")
        if source:
            path = Path(str(source))
            if movie is not None and not path.is_absolute():
                path = movie.parent / path
            if path.is_file() and path.suffix in (".yaml", ".yml"):
                return self.profile(str(path))
        return self.profile(name)  # raises the unknown-game error with the valid names


@functools.cache
def default_host() -> PluginHost:
    """This process's plugin host, built on first use (for envs made by name, and workers)."""
    return PluginHost()


def _describe(exc: BaseException, stage: str) -> str:
    return f"{stage} failed: {type(exc).__name__}: {exc}"
