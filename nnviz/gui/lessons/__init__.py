"""Lessons: eight guided chapters that set the app up, ask for one action and check it."""
