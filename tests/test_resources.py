"""The top-level resources/ folder and its loader (nnviz.resources): every file is found and
installed, the .desktop entry and the icons are well formed, and the themes' data are the
colours the app has always had."""

from __future__ import annotations

import configparser
import fnmatch
import json
import struct
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import setuptools

from nnviz import resources
from nnviz.charts.theme import DARK, LIGHT, PRESENTER_FONT_SCALE, THEMES, Theme

ROOT = Path(__file__).resolve().parents[1]
FILES = ["nnviz.svg", "nnviz-small.svg", "nnviz.desktop", "light.json", "dark.json", "dark.qss",
         *(f"nnviz-{size}.png" for size in (16, 32, 48, 64, 128, 256))]
SVG = "{http://www.w3.org/2000/svg}"

# Today's colours, copied from nnviz/charts/theme.py and apply_palette before they became data.
LIGHT_COLOURS = dict(background="#ffffff", foreground="#202124", muted="#80868b", accent="#1a73e8",
                     series=("#1a73e8", "#e8710a", "#188038", "#d01884", "#9334e6", "#12b5cb",
                             "#b06000"),
                     good="#188038", bad="#d93025", dark=False)
DARK_COLOURS = dict(background="#1e1f22", foreground="#e8eaed", muted="#9aa0a6", accent="#8ab4f8",
                    series=("#8ab4f8", "#fcad70", "#81c995", "#ff8bcb", "#c58af9", "#78d9ec",
                            "#fdd663"),
                    good="#81c995", bad="#f28b82", dark=True)
DARK_PALETTE = {"Window": "#2b2d30", "WindowText": "#e8eaed", "Base": "#1e1f22",
                "AlternateBase": "#2b2d30", "ToolTipBase": "#2b2d30", "ToolTipText": "#e8eaed",
                "Text": "#e8eaed", "Button": "#2b2d30", "ButtonText": "#e8eaed",
                "BrightText": "#f28b82", "Link": "#8ab4f8", "Highlight": "#8ab4f8",
                "HighlightedText": "#000000", "PlaceholderText": "#9aa0a6"}
DARK_DISABLED = {"WindowText": "#9aa0a6", "Text": "#9aa0a6", "ButtonText": "#9aa0a6"}
DARK_SHEET = ("QCheckBox::indicator:unchecked, QAbstractItemView::indicator:unchecked {"
              "border: 1px solid #9aa0a6;background: #1e1f22;width: 12px;height: 12px;"
              "border-radius: 2px;}")


def test_the_loader_is_the_top_level_folder():
    assert resources.FOLDER.resolve() == ROOT / "resources"
    assert sorted(p.name for p in resources.FOLDER.iterdir()
                  if p.suffix != ".py" and p.name != "__pycache__") == sorted(FILES)
    for name in FILES:
        assert resources.path(name) == resources.FOLDER / name
    assert resources.text("nnviz.desktop").startswith("[Desktop Entry]\n")
    assert list(resources.icon_files()) == [16, 32, 48, 64, 128, 256]


def test_every_resource_is_installed():
    # pip installs the packages the finder of pyproject.toml finds, with their package data.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = setuptools.find_namespace_packages(ROOT, **config["packages"]["find"])
    assert "nnviz.resources" in found
    patterns = config["package-data"]["nnviz.resources"]
    for name in FILES:
        assert any(fnmatch.fnmatch(name, p) for p in patterns), name


def test_bad_names_get_one_clear_message(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"by its file name alone, not '\.\./pyproject\.toml'"):
        resources.path("../pyproject.toml")
    with pytest.raises(FileNotFoundError, match="nnviz has no resource 'nnviz-20.png'"):
        resources.path("nnviz-20.png")
    with pytest.raises(ValueError, match=r"no theme named 'blue' \(there are: light, dark\)"):
        resources.theme_data("blue")
    spoiled = json.loads(resources.text("dark.json"))
    spoiled["palette"]["Window"] = "charcoal"
    (tmp_path / "dark.json").write_text(json.dumps(spoiled))
    (tmp_path / "dark.qss").write_text(resources.text("dark.qss"))
    monkeypatch.setattr(resources, "FOLDER", tmp_path)
    with pytest.raises(ValueError, match="dark.json: the colour of Window is 'charcoal', neither"):
        resources.theme_data("dark")


def test_the_desktop_entry_has_its_keys():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # the keys are case-sensitive
    entry.read_string(resources.text("nnviz.desktop"))
    desktop = entry["Desktop Entry"]
    assert {k: desktop[k] for k in ("Name", "Exec", "Icon", "Terminal", "Type", "Categories")} == {
        "Name": "nnviz", "Exec": "nnviz", "Icon": "nnviz", "Terminal": "false",
        "Type": "Application", "Categories": "Education;Science;"}
    assert "handwritten digits" in desktop["Comment"]


@pytest.mark.parametrize(("name", "side", "units"), [("nnviz.svg", 256, (3, 4, 2)),
                                                      ("nnviz-small.svg", 32, (3, 3, 2))])
def test_the_icons_are_svg_networks(name, side, units):
    svg = ET.fromstring(resources.text(name))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("viewBox") == f"0 0 {side} {side}"
    assert (svg.get("width"), svg.get("height")) == (str(side), str(side))
    # The units: circles in three columns, so many in each.
    columns: dict[float, int] = {}
    for circle in svg.iter(f"{SVG}circle"):
        columns[float(circle.get("cx"))] = columns.get(float(circle.get("cx")), 0) + 1
    assert tuple(columns[x] for x in sorted(columns)) == units


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256])
def test_each_png_has_its_size(size):
    data = resources.icon_files()[size].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour_type) == (size, size, 8, 6)  # 8-bit RGBA


def test_the_theme_data_are_todays_colours():
    light, dark = resources.theme_data("light"), resources.theme_data("dark")
    assert light == {"name": "light", **LIGHT_COLOURS, "series": list(LIGHT_COLOURS["series"]),
                     "palette": {}, "disabled": {}, "style_sheet": ""}
    assert {k: dark[k] for k in DARK_COLOURS} == {**DARK_COLOURS,
                                                  "series": list(DARK_COLOURS["series"])}
    assert dark["palette"] == DARK_PALETTE
    assert list(dark["palette"]) == list(DARK_PALETTE)  # set in the order they always were
    assert dark["disabled"] == DARK_DISABLED
    # The style sheet is today's, with a comment and line breaks added.
    body = dark["style_sheet"].split("*/", 1)[1]
    assert "".join(line.strip() for line in body.splitlines()) == DARK_SHEET


def test_the_themes_are_built_from_the_data():
    assert LIGHT == Theme("light", **LIGHT_COLOURS)
    assert DARK == Theme("dark", **DARK_COLOURS, palette=tuple(DARK_PALETTE.items()),
                         disabled=tuple(DARK_DISABLED.items()),
                         style_sheet=resources.theme_data("dark")["style_sheet"])
    assert THEMES == {"light": LIGHT, "dark": DARK}


def test_points_are_the_sizes_the_theme_draws():
    """Text a view sizes itself: as given, and × PRESENTER_FONT_SCALE (1.5) in presenter mode,
    which it leaves again exactly."""
    assert PRESENTER_FONT_SCALE == 1.5
    for theme in (LIGHT, DARK):
        assert [theme.points(pt) for pt in (7.5, 8, 12)] == [7.5, 8, 12]
        assert [theme.presenting().points(pt) for pt in (7.5, 8, 12)] == [11.25, 12, 18]
        assert theme.presenting().presenting(False).points(9) == 9
