"""What the window is about, held once and without Qt: the dataset, the configuration, the
newest snapshot, the runs and their weights (:class:`SessionModel`); the views subscribe."""

from .model import (
    ConfigSubscriber,
    DatasetSubscriber,
    RunsSubscriber,
    SessionModel,
    SnapshotSubscriber,
    SubscriberFailure,
)

__all__ = ["ConfigSubscriber", "DatasetSubscriber", "RunsSubscriber", "SessionModel",
           "SnapshotSubscriber", "SubscriberFailure"]
