"""One package per view; each has ``view.py`` (the widget a window shows) and, where it
helps, ``parts.py`` (the pyqtgraph pieces it is built of) and modules named for what they hold."""
