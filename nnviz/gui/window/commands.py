"""What the window lets a layer above it do: the lessons set the app up and check it through
:class:`WindowCommands` and the session model, never through the views' widgets.

:class:`Commands` implements it on a :class:`~nnviz.gui.window.main_window.MainWindow`. Its
Draw and step group is the only place that reaches Draw and step (its model, and its view
where a widget must follow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from nnviz.analysis.stepper import Stepper
    from nnviz.gui.workers.tasks import Task
    from nnviz.session import SessionModel


class WindowCommands(Protocol):
    """The window as the lessons drive and read it.

    Attributes
    ----------
    model : SessionModel
        The dataset, the current network's configuration, the newest snapshot.
    explorer_window : QWidget
        The Draw and step window (the lessons place themselves beside it).
    """

    model: SessionModel
    explorer_window: QWidget

    # -- data and network
    def open_dataset(self, source: str, offer_download: bool = False) -> Task:
        """Load ``source`` (a known name or a path) as File > Open does."""
    def choose_preset(self, name: str) -> None:
        """Fill the controls from preset ``name``, as choosing it in the Controls does."""
    def new_network(self) -> bool:
        """A fresh network from the controls; False (after a message) if impossible."""
    def has_network(self) -> bool:
        """The training process has a network."""
    def is_training(self) -> bool:
        """A run is training now."""
    def step(self, n: int) -> None:
        """Train ``n`` batches, then pause."""

    # -- the main window's panels
    def show_dock(self, name: str) -> None:
        """Show and raise the ``name`` dock."""
    def show_weights(self, layer: int, mode: str) -> None:
        """The Weights panel at ``layer`` (0-based) in ``mode`` ("W", "W-W0", …)."""
    def weights_shown(self) -> tuple[int, str]:
        """The Weights panel's (layer, mode)."""

    # -- Draw and step
    def present_explorer(self) -> None:
        """Show, raise and focus Draw and step."""
    def explorer_follow(self) -> None:
        """Draw and step takes the training run's newest network."""
    def explorer_set_target(self, target: int) -> None:
        """The class the backward steps start from (-1: the example's own label)."""
    def explorer_put_test_image(self, index: int | None) -> None:
        """Test image ``index`` on the pad; None clears the pad."""
    def explorer_reset_stepper(self) -> None:
        """The stepper back at the input."""
    def explorer_step_forward(self, n: int) -> None:
        """Press → ``n`` times on the stepper."""
    def explorer_focus(self) -> None:
        """The keyboard focus on the pad (→ and ← step)."""
    def explorer_has_network(self) -> bool:
        """Draw and step has a network to step through."""
    def explorer_true_label(self) -> int | None:
        """The pad's example: None for an empty pad, -1 for a drawing, else the test image's
        label."""
    def explorer_stepper(self) -> Stepper | None:
        """The pad's example stepped through (None without an example or a network)."""


class Commands:
    """:class:`WindowCommands` on ``window`` (a MainWindow)."""

    def __init__(self, window):
        self.window = window
        self.model = window.model

    @property
    def explorer_window(self):
        return self.window.explorer_window

    # -- data and network ---------------------------------------------------------------------

    def open_dataset(self, source: str, offer_download: bool = False):
        return self.window.files.open_dataset(source, offer_download=offer_download)

    def choose_preset(self, name: str) -> None:
        self.window.views["controls"].apply_preset(name)

    def new_network(self) -> bool:
        return self.window.training_commands.new_network()

    def has_network(self) -> bool:
        return self.window.training.has_network

    def is_training(self) -> bool:
        return self.window.training.is_training

    def step(self, n: int) -> None:
        self.window.training.step(n)

    # -- the main window's panels ---------------------------------------------------------------

    def show_dock(self, name: str) -> None:
        dock = self.window.docks[name]
        dock.show()
        dock.raise_()

    def show_weights(self, layer: int, mode: str) -> None:
        view = self.window.views["weights"]
        view.set_mode(mode)
        view.set_layer(layer)

    def weights_shown(self) -> tuple[int, str]:
        view = self.window.views["weights"]
        return view.layer(), view.mode()

    # -- Draw and step: its model (ExplorerModel), and its view where a widget must follow -----

    @property
    def _explorer(self):
        return self.window.views["explorer"]

    def present_explorer(self) -> None:
        self.window.explorer_window.present()

    def explorer_follow(self) -> None:
        self._explorer.follow.setChecked(True)

    def explorer_set_target(self, target: int) -> None:
        self._explorer.explorer.set_target(target)  # the stepper's combo follows the model

    def explorer_put_test_image(self, index: int | None) -> None:
        if index is None:
            self._explorer.pad.clear()
        else:
            self._explorer.load_test_image(index)

    def explorer_reset_stepper(self) -> None:
        self._explorer.stepper_view.reset()

    def explorer_step_forward(self, n: int) -> None:
        for _ in range(n):
            self._explorer.explorer.step_forward()

    def explorer_focus(self) -> None:
        self._explorer.pad.setFocus()

    def explorer_has_network(self) -> bool:
        return self._explorer.explorer.net is not None

    def explorer_true_label(self) -> int | None:
        ex = self._explorer.explorer
        return None if ex.x is None else int(ex.true)

    def explorer_stepper(self):
        return self._explorer.explorer.stepper
