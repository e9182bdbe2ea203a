"""The ``arena`` command line (click), one module per command group.

- :mod:`~arena.cli.main`: the group, plugin commands, errors turned into one line and an exit code
- :mod:`~arena.cli.play`: ``run``, ``play``, ``verify``
- :mod:`~arena.cli.train`: ``train NAME``, one subcommand per registered trainer
- :mod:`~arena.cli.evaluate`: ``bench``, ``leaderboard``, ``report``, ``match``, ``tournament``
- :mod:`~arena.cli.games`: ``probe``, ``info``, ``roms``, ``plugins``
- :mod:`~arena.cli.common` and :mod:`~arena.cli.listings`: what they share

The top layer: it may import any other; nothing imports it. Commands import the plugin host,
the emulator, numpy and torch inside their bodies, so ``arena --help`` stays fast.
"""

from arena.cli.main import cli, main

__all__ = ["cli", "main"]
