"""The main window, its menus and actions, file commands, side windows and status bar."""
