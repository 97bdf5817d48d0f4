"""What the window is about, held once and without Qt: the dataset, the configuration, the
newest snapshot, the runs and their weights (:class:`SessionModel`), and what Draw and step
explores (:class:`ExplorerModel`); the views subscribe."""

from .explorer import ExplorerModel, ExplorerSubscriber
from .model import (
    ConfigSubscriber,
    DatasetSubscriber,
    RunsSubscriber,
    SessionModel,
    SnapshotSubscriber,
)
from .serving import SubscriberFailure

__all__ = ["ConfigSubscriber", "DatasetSubscriber", "ExplorerModel", "ExplorerSubscriber",
           "RunsSubscriber", "SessionModel", "SnapshotSubscriber", "SubscriberFailure"]
