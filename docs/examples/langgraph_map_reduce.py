"""LangGraph's map-reduce example with Send, run unchanged but for the imports."""

import operator
from typing import Annotated, TypedDict

from rxagent import get_stream_writer  # langgraph: from langgraph.config import get_stream_writer
from rxagent.graph import END, START, StateGraph  # langgraph: from langgraph.graph import END, START, StateGraph
from rxagent.graph import Send  # langgraph: from langgraph.types import Send


class OverallState(TypedDict):
    subjects: list[str]
    jokes: Annotated[list[str], operator.add]


class JokeState(TypedDict):
    subject: str


def continue_to_jokes(state: OverallState) -> list[Send]:
    return [Send("generate_joke", {"subject": s}) for s in state["subjects"]]


def generate_joke(state: JokeState) -> dict[str, list[str]]:
    writer = get_stream_writer()
    writer({"writing_about": state["subject"]})
    return {"jokes": [f"Why did the {state['subject']} cross the road?"]}


def best_joke(state: OverallState) -> dict[str, list[str]]:
    return {"jokes": [f"Best of {len(state['jokes'])}: {sorted(state['jokes'])[0]}"]}


builder = StateGraph(OverallState)
builder.add_node("generate_joke", generate_joke)
builder.add_node("best_joke", best_joke)
builder.add_conditional_edges(START, continue_to_jokes, ["generate_joke"])
builder.add_edge("generate_joke", "best_joke")
builder.add_edge("best_joke", END)
graph = builder.compile()

if __name__ == "__main__":
    inputs = {"subjects": ["cats", "dogs"]}
    for chunk in graph.stream(inputs):  # the default mode: updates
        print(sorted(chunk.items()))
    for mode, chunk in graph.stream(inputs, stream_mode=["custom", "values"]):
        print(mode, sorted(chunk.items()))
    print(graph.invoke(inputs)["jokes"][-1])
