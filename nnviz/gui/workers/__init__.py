"""Work off the GUI thread: the training process and its relay, background tasks."""
