"""The rounds cards' trend lines, drawn on the server as SVG images."""

from __future__ import annotations

from urllib.parse import unquote
from xml.etree import ElementTree

from dashboard.components.sparkline import PAD, points, sparkline, svg


def test_the_first_value_is_at_the_left_the_last_at_the_right_highest_at_the_top() -> None:
    assert points([0, 10, 5], 170, 36) == [(0.0, 36 - PAD), (85.0, PAD), (170.0, 18.0)]


def test_a_flat_series_runs_through_the_middle() -> None:
    assert points([7, 7, 7], 100, 36) == [(0.0, 18.0), (50.0, 18.0), (100.0, 18.0)]


def test_one_value_is_one_point_at_the_left_and_none_is_nothing() -> None:
    assert points([3], 170, 36) == [(0.0, 18.0)]
    assert points([], 170, 36) == []


def test_the_image_is_valid_svg_with_one_vertex_per_value_and_says_what_it_shows() -> None:
    image = sparkline([4, 9, 12, 8], color="#1F2933", label="CIWA-B trend: 4 scores")
    assert image.alt == image.title == "CIWA-B trend: 4 scores"
    assert (image.width, image.height) == ("170", "36")
    assert image.src.startswith("data:image/svg+xml,")
    root = ElementTree.fromstring(unquote(image.src.removeprefix("data:image/svg+xml,")))
    ns = "{http://www.w3.org/2000/svg}"
    line = root.find(f"{ns}polyline")
    area = root.find(f"{ns}polygon")
    assert line is not None and area is not None
    assert line.get("stroke") == "#1F2933"
    vertices = line.get("points", "").split()
    assert vertices == ["0,34", "56.7,14", "113.3,2", "170,18"]
    # The area closes the line down to the bottom edge at both ends.
    assert area.get("points", "").split() == ["0,36", *vertices, "170,36"]


def test_the_svg_has_no_characters_that_break_a_data_address() -> None:
    text = svg([1, 2], color="#009E73", width=170, height=36)
    assert "#" in text  # the colour ...
    assert "#" not in sparkline([1, 2], color="#009E73", label="x").src  # ... is escaped
