"""Serving subscribers, without Qt: each kind of change to a typed method, failures reported.

:class:`Subscribers` is what :class:`~nnviz.session.model.SessionModel` and
:class:`~nnviz.session.explorer.ExplorerModel` share: subscribers are served in subscription
order; one that raises is reported to the failure listeners (once per distinct error) and
given what it missed at the next change, of any kind; the others are served as usual, and
nothing is ever dropped for good.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubscriberFailure:
    """Subscriber ``name`` raised while being given a change of ``kind``.

    ``error`` is one line (``ValueError: …``), ``details`` a short traceback."""

    name: str
    kind: str
    error: str
    details: str = ""

    @property
    def message(self) -> str:
        """The line the window shows."""
        return f"The {self.name} view failed: {self.error} (tried again at the next change)"


# Told (name, failure) when subscriber ``name`` fails anew, (name, None) when it is served again.
FailureListener = Callable[[str, "SubscriberFailure | None"], None]


class Subscribers:
    """Named subscribers, each given the changes of the kinds it takes a method for.

    Parameters
    ----------
    methods : mapping of str to str
        Kind of change → the subscriber method that takes it, in the order in which missed
        changes are given again.
    current : callable
        ``current(kind)``: what a subscriber is given for a change of ``kind``.
    optional : collection of str
        Kinds whose change is not given while ``current(kind)`` is None.
    strict : bool
        A subscriber's exception is raised to the caller once it is recorded (the
        subscribers after it are not served): for a view used on its own.

    Attributes
    ----------
    failures : dict of str to SubscriberFailure
        The subscribers whose last delivery failed, by name.
    """

    def __init__(self, methods: Mapping[str, str], current: Callable[[str], object],
                 optional: Collection[str] = (), strict: bool = False):
        self.methods = dict(methods)
        self.current = current
        self.optional = frozenset(optional)
        self.strict = strict
        self.failures: dict[str, SubscriberFailure] = {}
        self._subscribers: dict[str, object] = {}
        self._missed: dict[str, set[str]] = {}  # name → kinds to give again
        self._listeners: list[FailureListener] = []

    def subscribe(self, name: str, subscriber, kinds: Collection[str]) -> None:
        """Serve ``subscriber`` (after those subscribed before) from now on, giving it at
        once the changes of ``kinds``."""
        self._subscribers[name] = subscriber
        self._missed[name] = set(kinds)
        self._serve(name, subscriber, None)

    def unsubscribe(self, name: str) -> None:
        self._subscribers.pop(name, None)
        self._missed.pop(name, None)
        if self.failures.pop(name, None) is not None:
            self.tell(name, None)

    def add_failure_listener(self, listener: FailureListener) -> None:
        """Call ``listener(name, failure)`` when subscriber ``name`` fails with a new error,
        and ``listener(name, None)`` when it is served again."""
        self._listeners.append(listener)

    def notify(self, *kinds: str) -> None:
        """Give every subscriber the changes of ``kinds`` (each in :attr:`methods` order)."""
        for kind in sorted(kinds, key=list(self.methods).index):
            for name, subscriber in list(self._subscribers.items()):
                self._serve(name, subscriber, kind)

    def tell(self, name: str, failure: SubscriberFailure | None) -> None:
        """Tell the failure listeners that ``name`` failed (None: is served again)."""
        for listener in self._listeners:
            listener(name, failure)

    def _serve(self, name: str, subscriber, kind: str | None) -> None:
        """Give ``subscriber`` what it missed (in :attr:`methods` order), then ``kind``."""
        missed = self._missed.get(name, set())
        for k in self.methods:
            if k in missed and k != kind:
                self._call(name, subscriber, k)
        if kind is not None:
            self._call(name, subscriber, kind)

    def _call(self, name: str, subscriber, kind: str) -> None:
        missed = self._missed.setdefault(name, set())
        method = getattr(subscriber, self.methods[kind], None)
        value = self.current(kind)
        if method is None or (value is None and kind in self.optional):
            missed.discard(kind)  # nothing it takes, or nothing to give
            return
        try:
            method(value)
        except Exception as exc:  # noqa: BLE001 - one broken view must not blank the others
            missed.add(kind)
            self._failed(SubscriberFailure(name, kind, f"{type(exc).__name__}: {exc}",
                                           traceback.format_exc(limit=4)))
            if self.strict:
                raise
            return
        missed.discard(kind)
        failure = self.failures.get(name)
        # A failure of another kind than a change (a draw's, see fail) is cleared by recover.
        if not missed and failure is not None and failure.kind in self.methods:
            del self.failures[name]
            log.info("the %s view is served again", name)
            self.tell(name, None)

    def fail(self, failure: SubscriberFailure) -> None:
        """Record and report a failure found outside the serving (e.g. a later draw of what a
        view took); it stays reported until :meth:`recover` clears it."""
        self._failed(failure)

    def recover(self, name: str, kind: str) -> None:
        """Clear subscriber ``name``'s failure of ``kind`` (if it has one) and say so."""
        failure = self.failures.get(name)
        if failure is not None and failure.kind == kind:
            del self.failures[name]
            log.info("the %s view is working again", name)
            self.tell(name, None)

    def _failed(self, failure: SubscriberFailure) -> None:
        old = self.failures.get(failure.name)
        self.failures[failure.name] = failure
        if old is None or (old.kind, old.error) != (failure.kind, failure.error):
            log.error("the %s view failed on a %s change:\n%s", failure.name, failure.kind,
                      failure.details)
            self.tell(failure.name, failure)
