"""The window: the main window and its docks, the side windows, the workers that keep
the event loop free, and one package per view."""
