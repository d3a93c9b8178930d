"""LangGraph's quickstart chatbot, run unchanged but for the imports (and type hints).

A LangChain fake chat model stands in for ``init_chat_model(...)``, so no API key is needed.
"""

from typing import Annotated, Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from typing_extensions import TypedDict

from rxagent.graph import END, START, StateGraph  # langgraph: from langgraph.graph import END, START, StateGraph
from rxagent.graph.message import add_messages  # langgraph: from langgraph.graph.message import add_messages

replies = ["Hello! How can I help you today?", "Streams are sequences of events over time."]
llm = GenericFakeChatModel(messages=iter([AIMessage(content=text) for text in replies]))


class State(TypedDict):
    messages: Annotated[list[Any], add_messages]


graph_builder = StateGraph(State)


def chatbot(state: State) -> dict[str, Any]:
    return {"messages": [llm.invoke(state["messages"])]}


graph_builder.add_node("chatbot", chatbot)
graph_builder.add_edge(START, "chatbot")
graph_builder.add_edge("chatbot", END)
graph = graph_builder.compile()


def stream_graph_updates(user_input: str) -> None:
    for event in graph.stream({"messages": [{"role": "user", "content": user_input}]}):
        for value in event.values():
            print("Assistant:", value["messages"][-1].content)


if __name__ == "__main__":
    stream_graph_updates("Hi there!")
    inputs = {"messages": [{"role": "user", "content": "What is a stream?"}]}
    for token, metadata in graph.stream(inputs, stream_mode="messages"):
        print(metadata["langgraph_node"], repr(token.content))
