"""Drawing snapshots only while visible: the shared part of the snapshot-driven views."""

from __future__ import annotations


class DeferredDraw:
    """Mixin (before ``QWidget``): :meth:`show_snapshot` keeps the newest snapshot and draws
    it with ``self._draw(snap)`` now if the view is visible, else when it is next shown.
    ``_draw`` must set ``self._drawn = snap``."""

    _snap = None
    _drawn = None

    def show_snapshot(self, snap) -> None:
        """Draw ``snap`` (or keep it for :meth:`showEvent` while hidden)."""
        self._snap = snap
        if self.isVisible():
            self._draw(snap)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._snap is not None and self._snap is not self._drawn:
            self._draw(self._snap)
