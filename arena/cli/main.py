"""The ``arena`` command line (click).

Each command sits beside its options; options several commands share come from
:mod:`arena.params`. The plugin host, the emulator, numpy and torch are imported only by the
commands that need them, so ``arena --help`` and ``arena --version`` stay fast. Errors print as
one line with a non-zero exit code; ``arena --debug ...`` shows the traceback instead.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence

import click

from arena import __version__
from arena.cli.common import Session
from arena.core.errors import (
    ArenaError,
    OutputError,
    Terminated,
    did_you_mean,
)

# -- the group ---------------------------------------------------------------------------------


class ArenaGroup(click.Group):
    """Built-in commands, then those plugins add (``arena_register_commands``); an unknown
    command is named with the nearest one."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and not ctx.resilient_parsing:
            command = host_commands(ctx).get(name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if super().get_command(ctx, name) is None and not name.startswith("-"):
            ctx.ensure_object(Session).host.refuse_clash("command", name)
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            known = [*self.list_commands(ctx), *host_commands(ctx)]
            raise click.UsageError(f"unknown command {name!r}{did_you_mean(name, known)}", ctx)
        return super().resolve_command(ctx, args)


def host_commands(ctx: click.Context) -> dict[str, click.Command]:
    return ctx.ensure_object(Session).host.commands


@click.group(
    cls=ArenaGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Commands that plugins add are listed by `arena plugins`.",
)
@click.version_option(__version__, prog_name="retro-arena", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="show tracebacks instead of one-line errors")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """retro-arena: learning agents play classic emulated games (stable-retro) head to head.

    Train agents, benchmark them on shared game suites, play 2-player matches, and replay
    every recorded episode.
    """
    ctx.ensure_object(Session).debug = debug


from arena.cli.evaluate import bench, leaderboard, match, report, tournament  # noqa: E402
from arena.cli.games import info, plugins, probe, roms  # noqa: E402
from arena.cli.play import demos, inspect, play, run, verify  # noqa: E402
from arena.cli.ram import ram  # noqa: E402
from arena.cli.serve import serve  # noqa: E402
from arena.cli.states import integrate, state  # noqa: E402
from arena.cli.train import train  # noqa: E402

for command in (
    run,
    play,
    verify,
    inspect,
    demos,
    train,
    bench,
    leaderboard,
    report,
    match,
    tournament,
    probe,
    info,
    state,
    integrate,
    ram,
    roms,
    plugins,
    serve,
):
    cli.add_command(command)


# -- entry point ---------------------------------------------------------------------------


def _name(param: click.Parameter) -> str:
    return " / ".join(
        param.opts if isinstance(param, click.Option) else [param.human_readable_name]
    )


def _one_line(exc: click.ClickException) -> str:
    """click's error as one line, naming the option and the nearest valid one."""
    if isinstance(exc, click.NoSuchOption):
        close = did_you_mean(exc.option_name, exc.possibilities or [])
        message = f"unknown option {exc.option_name}{close}"
    elif isinstance(exc, click.MissingParameter) and exc.param is not None:
        message = f"missing {_name(exc.param)}"
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        message = f"{_name(exc.param)}: {exc.message}"
    else:
        message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see `{ctx.command_path} --help`)"
    return message


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def _interrupted(exc: BaseException) -> int:
    """The line and exit code of a run stopped by Ctrl-C (130) or SIGTERM (143)."""
    chain = [exc, exc.__cause__, exc.__context__]
    if any(isinstance(link, Terminated) for link in chain):
        print("arena: terminated (SIGTERM)", file=sys.stderr)
        return 143
    print("arena: interrupted", file=sys.stderr)
    return 130


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    session = Session(debug="--debug" in args)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)  # stop as on Ctrl-C: save, clean up
    try:
        code = cli.main(args=args, prog_name="arena", standalone_mode=False, obj=session)
        return code if isinstance(code, int) else 0  # click returns Exit's code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort as exc:
        return _interrupted(exc)
    except click.exceptions.NoArgsIsHelpError as exc:  # `arena`, `arena train`: the help
        print(exc.format_message(), file=sys.stderr)
        return 2
    except click.ClickException as exc:
        if session.debug:
            raise
        print(f"arena: error: {_one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except ArenaError as exc:
        if session.debug:
            raise
        print(f"arena: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:  # the reader went away (`arena ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a filesystem fault no command foresaw: still one line
        if session.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"arena: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return OutputError.exit_code
