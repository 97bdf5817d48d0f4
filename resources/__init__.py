"""The files nnviz loads at run time: the app icon, the ``.desktop`` entry and the themes.

This folder is the repository's top-level ``resources/`` and also the package
``nnviz.resources``: ``nnviz/resources`` is a link to it, so a checkout imports it like any
other package and ``pip install .`` copies the files into the installed one.

Qt-free: it returns paths, text and dicts; the Qt objects (icon, palette) are made by their
callers in ``nnviz.charts``. ``python -m nnviz.resources.make_icons`` renders the icon's PNGs.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

FOLDER = Path(__file__).parent
ICON_SIZES = (16, 32, 48, 64, 128, 256)  # nnviz-<size>.png; 16 and 32 from nnviz-small.svg
THEME_NAMES = ("light", "dark")  # <name>.json, and the style sheet it names
COLOURS = ("background", "foreground", "muted", "accent", "good", "bad")


def path(name: str) -> Path:
    """The file ``name`` (a bare file name such as ``"nnviz.svg"``) of this folder."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"a resource is named by its file name alone, not {name!r}")
    found = FOLDER / name
    if not found.is_file():
        raise FileNotFoundError(f"nnviz has no resource {name!r} (looked in {FOLDER})")
    return found


def text(name: str) -> str:
    """The UTF-8 text of the file ``name``."""
    return path(name).read_text(encoding="utf-8")


def icon_files() -> dict[int, Path]:
    """The app icon's PNGs by their size in pixels (square), smallest first."""
    return {size: path(f"nnviz-{size}.png") for size in ICON_SIZES}


def theme_data(name: str) -> dict:
    """Theme ``name``'s colours, Qt palette and style sheet, from ``<name>.json``.

    Returns
    -------
    dict
        ``name``; the colours of :data:`COLOURS` (``"#rrggbb"``); ``series`` (a list of
        colours for several curves, in order); ``dark`` (bool); ``palette`` and ``disabled``
        (Qt colour role name -> ``"#rrggbb"``, for the Active and the Disabled group; empty
        keeps the style's standard palette); ``style_sheet`` (Qt style sheet text, maybe "").

    In the file, a palette entry is a colour or the name of one of the theme's colours, and
    the style sheet is a file whose ``$name`` placeholders are the theme's colours.
    """
    if name not in THEME_NAMES:
        raise ValueError(f"no theme named {name!r} (there are: {', '.join(THEME_NAMES)})")
    data = json.loads(text(f"{name}.json"))
    colours = {key: data[key] for key in COLOURS}

    def colour(role: str, value: str) -> str:
        if value in colours:
            return colours[value]
        if value.startswith("#"):
            return value
        raise ValueError(f"{name}.json: the colour of {role} is {value!r}, neither '#rrggbb' "
                         f"nor one of {', '.join(COLOURS)}")

    sheet = data.get("style_sheet")
    return {"name": name, **colours, "series": list(data["series"]), "dark": bool(data["dark"]),
            "palette": {role: colour(role, v) for role, v in data.get("palette", {}).items()},
            "disabled": {role: colour(role, v) for role, v in data.get("disabled", {}).items()},
            "style_sheet": string.Template(text(sheet)).substitute(colours) if sheet else ""}
