"""What the window and its helper processes say to each other: one frozen dataclass per kind
of command and of message, pickled through the pipes of
:class:`~nnviz.runtime.processes.ServerProcess`.

Both sides dispatch on the type (a table of handlers), so a new kind is a new class here and
one entry in each table, and a misspelt kind is a ``NameError``, not a message nobody reads.

Training (:mod:`nnviz.runtime.training_server`): the window sends :class:`NewNetwork`,
:class:`AdoptNetwork`, :class:`Resume`, :class:`Pause`, :class:`Step`, :class:`AddEpoch`,
:class:`StopRun`, :class:`Request`, :class:`Fields`, :class:`Delay` and :class:`Quit`; the
process answers with :class:`Snapshot`, :class:`StateChanged`, :class:`Diverged` and
:class:`Failed`.

Maps (:mod:`nnviz.runtime.map_server`): the window sends a
:class:`~nnviz.runtime.map_server.MapJob`, :class:`CancelJob` and :class:`Quit`; every job is
answered by :class:`MapProgress` reports, then exactly one of :class:`MapResult`,
:class:`MapFailed` or :class:`MapCancelled`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnviz.analysis.embedding import LayerMap
    from nnviz.engine.snapshot import TrainingSnapshot


@dataclass(frozen=True)
class Quit:
    """End the process (either server)."""


# -- training: commands -------------------------------------------------------------------------

@dataclass(frozen=True)
class NewNetwork:
    """A fresh network from ``config`` (``TrainConfig.to_dict()``), paused; run ``run_id``."""

    config: dict[str, Any]
    run_id: int


@dataclass(frozen=True)
class AdoptNetwork:
    """Continue from a loaded network (``MLP.architecture()`` and its parameters), its
    ``history`` kept; run ``run_id``."""

    arch: dict[str, Any]
    params: dict[str, Any]
    config: dict[str, Any]
    history: list[dict[str, Any]]
    run_id: int


@dataclass(frozen=True)
class Resume:
    """Train until paused, stopped or finished."""


@dataclass(frozen=True)
class Pause:
    """Halt after the current batch; forget steps or an epoch's end still to do."""


@dataclass(frozen=True)
class Step:
    """Train ``n`` more batches, then pause."""

    n: int = 1


@dataclass(frozen=True)
class AddEpoch:
    """Train to the end of the current epoch (one more epoch when all are done)."""


@dataclass(frozen=True)
class StopRun:
    """End the run (the process goes on; only a new network trains again)."""


@dataclass(frozen=True)
class Request:
    """Live hyperparameter changes, applied at the next batch."""

    changes: dict[str, Any]


@dataclass(frozen=True)
class Fields:
    """The optional arrays (``dW``, ``uW``) snapshots carry from now on."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Delay:
    """Seconds to wait after every batch (slow motion); 0 for full speed."""

    seconds: float


# -- training: messages -------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """The run's newest state."""

    snapshot: TrainingSnapshot


@dataclass(frozen=True)
class StateChanged:
    """``running``, ``paused``, ``finished`` or ``stopped``."""

    state: str


@dataclass(frozen=True)
class Diverged:
    """The run overflowed and was paused; the message is for a person."""

    message: str


@dataclass(frozen=True)
class Failed:
    """A command or a step failed (the process goes on); the message is for a person."""

    message: str


# -- maps -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CancelJob:
    """Stop the map job ``job_id`` at its next progress report."""

    job_id: int


@dataclass(frozen=True)
class MapProgress:
    """Iterations ``done`` of ``total`` (None: unknown) of the job ``job_id``."""

    job_id: int
    done: int
    total: int | None


@dataclass(frozen=True)
class MapResult:
    """The job's map; ``indices`` count rows of the job's ``x``."""

    job_id: int
    map: LayerMap


@dataclass(frozen=True)
class MapFailed:
    """The job raised; the message is for a person."""

    job_id: int
    message: str


@dataclass(frozen=True)
class MapCancelled:
    """The job stopped, cancelled or replaced by a newer one."""

    job_id: int
