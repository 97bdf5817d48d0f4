"""The Training menu's commands and what the window does when training changes: Train, Pause,
Step, +1 epoch, Stop, New network; a network continued from a file, a run or the explorer;
the Controls' live changes sent to the run; the actions enabled for the training state."""

from __future__ import annotations

from nnviz.engine.config import TrainConfig


class TrainingCommands:
    """Commands of ``window`` (a MainWindow) for its :class:`TrainingProcess`."""

    def __init__(self, window):
        self.window = window
        self.model = window.model
        self.training = window.training
        self.stepping = False  # a Step is running: Step stays on and queues its clicks
        self.queued_steps = 0  # batches clicked for while one ran, each one more Step

    def connect(self) -> None:
        """Listen to the training process, the Controls and the Weights view."""
        s, v = self.training, self.window.views
        s.state_changed.connect(self.on_state)
        s.diverged.connect(self.on_diverged)
        s.failed.connect(self.on_failed)
        v["controls"].live_changed.connect(self.on_live_changed)
        v["controls"].delay_changed.connect(s.set_delay)
        v["controls"].live_changed.connect(self.on_augmentation_maybe)
        v["weights"].mode_changed.connect(self.on_weights_mode)
        self.on_weights_mode(v["weights"].mode())
        v["explorer"].adopt_requested.connect(self.adopt_from_explorer)
        v["runs"].load_requested.connect(self.load_run)

    # -- the Training menu ------------------------------------------------------------------

    def train(self) -> None:
        if self._needs_network():
            self.training.train()

    def pause(self) -> None:
        """Halt after the current batch; Train goes on with the same run."""
        self.queued_steps = 0
        self.training.pause()

    def step(self) -> None:
        """One batch; clicked while a Step runs, one more batch after it (no click lost)."""
        if self.stepping and self.training.is_training:
            self.queued_steps += 1
            return
        if self._needs_network():
            self.stepping = True
            self.training.step(1)
            self.update_actions()

    def add_epoch(self) -> None:
        if self._needs_network():
            self.training.add_epoch()

    def stop(self) -> None:
        """End the run (its last snapshot stays, to save); Train starts a new network."""
        self.queued_steps = 0
        self.training.stop()
        self.update_actions()  # Stop is off at once: there is no run left to end

    def new_network(self, config: TrainConfig | None = None) -> bool:
        """Build a fresh network from ``config`` (default: the controls); False if impossible."""
        controls = self.window.views["controls"]
        try:
            config = config or controls.config()
            self.window.files.use_split(controls.val_fraction(), config.seed)
            self.training.new_network(config)
        except ValueError as exc:
            self.window.dialogs.show_error("Cannot build the network", str(exc))
            return False
        controls.set_needs_new_network(False)
        self.update_actions()
        return True

    # -- networks from elsewhere -------------------------------------------------------------

    def continue_from(self, net, config, history, error_title: str) -> bool:
        """Make ``net`` the training process's network (paused), with ``config`` (None: one
        is made up from the network) and ``history``; the controls show the configuration
        (they follow the model's) and the explorer follows the new run. False, after a
        message, when impossible."""
        w = self.window
        if hasattr(net, "stack"):  # a ConvNet: the views draw dense layers only (part 2)
            w.dialogs.show_error(error_title, f"{net.arch_text}: a convolutional network; this "
                                 "window does not show convolutional layers yet (nnviz "
                                 "evaluate reads it)")
            return False
        controls = w.views["controls"]
        pending = controls.needs_new_network()
        controls.set_needs_new_network(False)  # so they show the whole new configuration
        try:
            self.training.adopt_model(net, config, list(history))
        except ValueError as exc:
            controls.set_needs_new_network(pending)
            w.dialogs.show_error(error_title, str(exc))
            return False
        # The configuration did not change (the model was made as the current network): the
        # edits for the next network are still to be built.
        controls.set_needs_new_network(controls.config() != self.model.config)
        w.commands.explorer_follow()
        self.update_actions()
        return True

    def adopt_from_explorer(self, net) -> None:
        """Continue training from a network edited or taught in the explorer."""
        snap = self.model.latest
        if self.continue_from(net, self.model.config, snap.history if snap is not None else [],
                              "Cannot use that network for training"):
            self.window.statusBar().showMessage("training continues from the explorer's "
                                                "network", 5000)

    def load_run(self, net, record) -> None:
        self.continue_from(net, record.config, record.history, "Cannot load the run")

    def _needs_network(self) -> bool:
        return self.training.has_network or self.new_network()

    # -- what training and the views say -----------------------------------------------------

    def on_live_changed(self, changes: dict) -> None:
        try:
            self.training.request(**changes)
        except ValueError as exc:
            self.window.dialogs.show_error("Cannot apply that setting", str(exc))

    def on_weights_mode(self, mode: str) -> None:
        """Ask for gradients or updates in snapshots only while the weights view shows them."""
        self.training.set_snapshot_fields({mode} & {"dW", "uW"})

    def on_augmentation_maybe(self, changes: dict) -> None:
        if "augmentation" in changes:
            self.window.views["data"].set_augmentation(changes["augmentation"])

    def on_state(self, state: str) -> None:
        if state == "paused" and self.queued_steps and self.stepping:
            self.queued_steps -= 1
            self.training.step(1)
        elif state != "running":
            self.stepping, self.queued_steps = False, 0
        self.window.status.set_state(state)
        self.update_actions()

    def on_diverged(self, message: str) -> None:
        self.window.dialogs.show_error("Training diverged", message)

    def on_failed(self, message: str) -> None:
        self.window.dialogs.show_error("Training stopped by an error", message)

    def update_actions(self) -> None:
        has_data = self.model.dataset is not None
        training = self.training.is_training
        a = self.window.actions_
        for name in ("train", "step", "epoch", "new"):
            a[name].setEnabled(has_data and (name == "new" or not training
                                             or (name == "step" and self.stepping)))
        a["pause"].setEnabled(training)
        # Stop ends a run that could go on: running, paused or finished (+1 epoch).
        a["stop"].setEnabled(has_data and self.training.has_network)
        a["save"].setEnabled(self.model.latest is not None)  # even after the process died
