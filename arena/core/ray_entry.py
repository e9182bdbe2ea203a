"""The first code of the arena that a Ray worker runs, shipped to it by value.

Ray puts the driver's working folder first on each worker's import path. Run from a checkout
of this project with the arena installed from a wheel, the worker would then import the
checkout's ``arena/`` (where ``plugins/`` is not inside the package) instead of the driver's.
So a task's function is pickled by value from this module, which imports nothing of the arena;
it puts the driver's import path first, and only then imports the function that does the work
and unpickles the task's arguments, which travel as bytes for that reason.
"""

from __future__ import annotations

from typing import Any


def run_task(path: list[str], function: str, *arguments: bytes) -> Any:
    """Call ``function`` (``module:name``) on the unpickled ``arguments``, importing through
    ``path`` (the driver's ``sys.path``) ahead of whatever Ray put first."""
    import importlib
    import pickle
    import sys

    sys.path[:] = [*path, *(entry for entry in sys.path if entry not in path)]
    module, name = function.split(":")
    target = getattr(importlib.import_module(module), name)
    return target(*(pickle.loads(argument) for argument in arguments))


class WorkerActor:
    """An arena ``Worker`` kept by one Ray actor for all its tasks: state that must live from
    one task to the next (an env between two rollouts) stays in that actor's process. Built
    from bytes through the driver's import path, as :func:`run_task` is."""

    def __init__(self, path: list[str], worker: bytes) -> None:
        import pickle
        import sys

        sys.path[:] = [*path, *(entry for entry in sys.path if entry not in path)]
        self.worker = pickle.loads(worker)
        self.worker.set_up()

    def handle(self, task: bytes) -> Any:
        import pickle

        return self.worker.handle(pickle.loads(task))

    def close(self) -> None:
        self.worker.close()
