"""Work off the GUI thread: the training relay, background tasks, the training session."""
