"""The argument schema and function schema of a tool, derived from its signature."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from rxagent._types import StreamWriter
from rxagent.tools import INJECTED_PARAMS, tool


class Point(BaseModel):
    x: int
    y: int


def test_schema_types_defaults_and_required() -> None:
    @tool
    def search(
        query: str, limit: int = 5, exact: bool = False, tags: list[str] | None = None
    ) -> str:
        """Search the web."""
        return query

    params = search.tool_call_schema()["parameters"]
    assert params["type"] == "object"
    assert params["required"] == ["query"]
    props = params["properties"]
    assert props["query"] == {"type": "string"}
    assert props["limit"] == {"type": "integer", "default": 5}
    assert props["exact"] == {"type": "boolean", "default": False}
    assert props["tags"]["default"] is None
    assert {"type": "array", "items": {"type": "string"}} in props["tags"]["anyOf"]


def test_function_schema_has_name_description_parameters() -> None:
    @tool
    def get_weather(city: str) -> str:
        """Get the weather
        for a city.

        Longer text that the model does not need.
        """
        return city

    schema = get_weather.tool_call_schema()
    assert schema == {
        "name": "get_weather",
        "description": "Get the weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
    assert get_weather.json_schema() == schema


def test_descriptions_from_annotated_field_and_docstring() -> None:
    @tool
    def book(
        city: Annotated[str, "The city to book in"],
        nights: Annotated[int, Field(ge=1, description="How many nights")],
        guests: int = Field(2, description="How many guests"),
        note: str = "",
    ) -> str:
        """Book a hotel.

        Args:
            city: ignored, the Annotated text wins.
            note (str): a note for the hotel,
                on two lines.
        """
        return city

    props = book.tool_call_schema()["parameters"]["properties"]
    assert props["city"]["description"] == "The city to book in"
    assert props["nights"] == {"type": "integer", "minimum": 1, "description": "How many nights"}
    assert props["guests"] == {"type": "integer", "default": 2, "description": "How many guests"}
    assert props["note"]["description"] == "a note for the hotel, on two lines."
    assert book.invoke({"city": "Rome", "nights": 1}) == "Rome"


def test_injected_parameters_are_not_in_the_schema() -> None:
    @tool
    def lookup(city: str, writer: StreamWriter, tool_call_id: str | None = None) -> str:
        """Look a city up."""
        return city

    assert set(lookup.args_schema.model_fields) == {"city"}
    assert set(lookup.tool_call_schema()["parameters"]["properties"]) == {"city"}
    assert lookup.injected == INJECTED_PARAMS == {"writer", "tool_call_id"}


def test_nested_models_and_unannotated_parameters() -> None:
    @tool
    def move(to: Point, speed=1) -> Point:  # type: ignore[no-untyped-def]
        """Move to a point."""
        return to

    params = move.tool_call_schema()["parameters"]
    assert "title" not in params["$defs"]["Point"]
    assert params["$defs"]["Point"]["properties"]["x"] == {"type": "integer"}
    assert params["properties"]["speed"] == {"default": 1}
    assert move.invoke({"to": {"x": 1, "y": 2}, "speed": "fast"}) == Point(x=1, y=2)


def test_parameter_named_like_a_model_method_or_title() -> None:
    @tool
    def render(json: str, title: str, model_name: str = "m") -> dict[str, Any]:
        """Render a document."""
        return {"json": json, "title": title, "model_name": model_name}

    props = render.tool_call_schema()["parameters"]["properties"]
    assert props["title"] == {"type": "string"}
    assert render.invoke({"json": "{}", "title": "T"}) == {
        "json": "{}",
        "title": "T",
        "model_name": "m",
    }


def test_string_annotations_are_resolved() -> None:
    # This module uses ``from __future__ import annotations``: every annotation is a string.
    @tool
    def count(items: list[int]) -> int:
        """Count items."""
        return len(items)

    assert count.tool_call_schema()["parameters"]["properties"]["items"] == {
        "type": "array",
        "items": {"type": "integer"},
    }
