"""Child-process mains for the relay's tests (Qt-free: a spawned child imports this module)."""

import os
from dataclasses import dataclass

from nnviz.runtime.messages import Quit


@dataclass(frozen=True)
class Tick:
    i: int


@dataclass(frozen=True)
class Tock:
    i: int


@dataclass(frozen=True)
class Unheard:
    """A message no handler is given for."""


def tick_tock(commands, messages, n: int) -> None:
    """``Tick(0), Unheard(), Tock(0), Tick(1), …`` then, for every command until
    :class:`Quit`, the command sent back (in order)."""
    for i in range(n):
        messages.send(Tick(i))
        messages.send(Unheard())
        messages.send(Tock(i))
    while not isinstance(cmd := commands.recv(), Quit):
        messages.send(cmd)


def die(commands, messages, code: int) -> None:
    """One ``Tick(0)``, then the process ends at once with exit code ``code`` (a crash)."""
    messages.send(Tick(0))
    os._exit(code)
