"""LangChain chat models called inside nodes stream as under LangGraph: side by side."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypedDict

import pytest

pytest.importorskip("langgraph")

import langgraph.graph as lg
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage as LangChainAIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableConfig
from langgraph.graph.message import add_messages as lg_add_messages

import rxagent
from rxagent.integrations.langchain import LangChainModel, from_langchain
from rxagent.messages import add_messages

RUN_CONFIG: dict[str, Any] = {"tags": ["run-tag"], "metadata": {"user_key": 2}}
INPUTS: dict[str, Any] = {"messages": [("user", "hi")]}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class RxState(TypedDict):
    messages: Annotated[list[Any], add_messages]


class LgState(TypedDict):
    messages: Annotated[list[Any], lg_add_messages]


def fake(text: str = "Hello there friend", tags: tuple[str, ...] = (), **kwargs: Any) -> Any:
    return GenericFakeChatModel(messages=iter([text]), tags=["model-tag", *tags], **kwargs)


def _generate(self: Any, messages: Any, stop: Any = None, **kwargs: Any) -> Any:
    return ChatResult(generations=[ChatGeneration(message=LangChainAIMessage("whole reply"))])


# built with type(): mypy cannot check a subclass of a class it sees as Any
_NonStreaming = type(
    "_NonStreaming",
    (GenericFakeChatModel,),
    {"_generate": _generate, "_stream": BaseChatModel._stream, "_astream": BaseChatModel._astream},
)


def graph(lib: str, node: Callable[..., Any], name: str = "n") -> Any:
    """The same one-node graph, built with rxagent or with LangGraph."""
    builder: Any = rxagent.StateGraph(RxState) if lib == "rx" else lg.StateGraph(LgState)
    builder.add_node(name, node, metadata={"node_key": 1})
    builder.add_edge(rxagent.START if lib == "rx" else lg.START, name)
    builder.add_edge(name, rxagent.END if lib == "rx" else lg.END)
    return builder.compile()


def shown(value: Any) -> Any:
    """``value`` with its random ids replaced, for comparison."""
    if isinstance(value, str):
        return _UUID.sub("<id>", value)
    if isinstance(value, dict):
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(shown(item) for item in value)
    return value


def messages(lib: str, node: Callable[..., Any], asynchronous: bool) -> list[Any]:
    """What ``stream_mode="messages"`` yields, as comparable tuples."""
    app = graph(lib, node)
    if asynchronous:

        async def collect() -> list[Any]:
            return [item async for item in app.astream(INPUTS, RUN_CONFIG, stream_mode="messages")]

        items = asyncio.run(collect())
    else:
        items = list(app.stream(INPUTS, RUN_CONFIG, stream_mode="messages"))
    return [
        (
            type(message).__name__,
            message.content,
            getattr(message, "chunk_position", None),
            shown(message.id),
            shown(metadata),
        )
        for message, metadata in items
    ]


def node_calling(
    style: str, with_config: bool, make: Callable[[], Any] = fake, *, returns: bool = True
) -> Any:
    """A node calling a chat model (``sync-invoke``, ``async-stream``, ...), returning the
    reply (or nothing: LangGraph's state does not take rxagent messages)."""
    kind, call = style.split("-")

    def update(reply: Any) -> dict[str, Any]:
        return {"messages": [reply]} if returns else {}

    if kind == "sync":

        def sync_node(state: Any, config: RunnableConfig) -> dict[str, Any]:
            model, extra = make(), (config,) if with_config else ()
            if call == "invoke":
                return update(model.invoke("hi", *extra))
            chunks = list(model.stream("hi", *extra))
            return update(sum(chunks[1:], chunks[0]))

        return sync_node

    async def async_node(state: Any, config: RunnableConfig) -> dict[str, Any]:
        model, extra = make(), (config,) if with_config else ()
        if call == "invoke":
            return update(await model.ainvoke("hi", *extra))
        chunks = [chunk async for chunk in model.astream("hi", *extra)]
        return update(sum(chunks[1:], chunks[0]))

    return async_node


STYLES = ["sync-invoke", "sync-stream", "async-invoke", "async-stream"]


@pytest.mark.parametrize("with_config", [False, True], ids=["no-config", "config"])
@pytest.mark.parametrize("style", STYLES)
def test_tokens_and_metadata_match_langgraph(style: str, with_config: bool) -> None:
    node = node_calling(style, with_config)
    asynchronous = style.startswith("async")
    ours = messages("rx", node, asynchronous)
    theirs = messages("lg", node, asynchronous)
    assert ours == theirs
    assert [text for _, text, *_ in ours] == ["Hello", " ", "there", " ", "friend"]
    metadata = ours[0][4]
    assert metadata["ls_provider"] == "genericfakechatmodel"
    assert metadata["ls_model_type"] == "chat"
    assert metadata["ls_integration"] == "langchain_chat_model"
    assert metadata["tags"] == ["run-tag", "model-tag"]
    assert (metadata["langgraph_node"], metadata["node_key"], metadata["user_key"]) == ("n", 1, 2)


@pytest.mark.parametrize("style", ["sync-invoke", "async-invoke"])
def test_model_name_and_temperature_keys_match_langgraph(style: str) -> None:
    def make() -> Any:
        model = fake()
        model.__dict__["model_name"] = "fake-1"  # _get_ls_params reads model_name
        return model

    node = node_calling(style, False, make)
    ours = messages("rx", node, style.startswith("async"))
    assert ours == messages("lg", node, style.startswith("async"))
    assert ours[0][4]["ls_model_name"] == "fake-1"


def test_a_model_tagged_nostream_streams_no_tokens() -> None:
    def node(state: Any) -> dict[str, Any]:
        return {"messages": [fake(tags=("nostream",)).invoke("hi")]}

    for lib in ("rx", "lg"):
        kinds = [kind for kind, *_ in messages(lib, node, False)]
        assert "AIMessageChunk" not in kinds


def test_a_model_that_does_not_stream_emits_its_whole_message_as_langgraph() -> None:
    def node(state: Any) -> dict[str, Any]:
        return {"messages": [_NonStreaming(messages=iter([])).invoke("hi")]}

    ours = messages("rx", node, False)
    assert ours == messages("lg", node, False)
    assert [(kind, text) for kind, text, *_ in ours] == [("AIMessage", "whole reply")]


def test_a_returned_rxagent_copy_of_the_reply_is_not_emitted_again() -> None:
    def node(state: Any) -> dict[str, Any]:
        return {"messages": [from_langchain(fake().invoke("hi"))]}

    assert [text for _, text, *_ in messages("rx", node, False)] == [
        "Hello",
        " ",
        "there",
        " ",
        "friend",
    ]


@pytest.mark.parametrize("style", STYLES)
def test_langchain_model_called_in_a_node_streams_like_its_chat_model(style: str) -> None:
    wrapped = node_calling(style, False, lambda: LangChainModel(fake()))
    raw = node_calling(style, False)
    asynchronous = style.startswith("async")
    assert messages("rx", wrapped, asynchronous) == messages("lg", raw, asynchronous)


class Recorder(BaseCallbackHandler):
    """Records the chat-model runs a handler sees."""

    def __init__(self) -> None:
        self.starts: list[tuple[list[str], dict[str, Any]]] = []
        self.tokens = 0
        self.ends = 0

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, tags: Any = None, metadata: Any = None, **_: Any
    ) -> None:
        own = [tag for tag in tags or () if not tag.startswith("seq:step")]  # LangGraph's
        # LangGraph's handler writes "tags" into the metadata dict other handlers then see
        seen = {key: value for key, value in (metadata or {}).items() if key != "tags"}
        self.starts.append((own, shown(seen)))

    def on_llm_new_token(self, token: str | list[str | dict[str, Any]], **_: Any) -> None:
        self.tokens += 1

    def on_llm_end(self, response: Any, **_: Any) -> None:
        self.ends += 1


@pytest.mark.parametrize("style", ["sync-invoke", "async-stream"])
def test_callback_handlers_see_the_chat_model_runs_they_see_under_langgraph(style: str) -> None:
    seen: dict[str, Recorder] = {}
    for lib in ("rx", "lg"):
        recorder = seen[lib] = Recorder()
        make = lambda r=recorder: LangChainModel(fake(callbacks=[r]))  # noqa: E731
        wrapped = node_calling(style, False, make, returns=False)
        messages(lib, wrapped, style.startswith("async"))
    assert seen["rx"].starts == seen["lg"].starts
    assert (seen["rx"].tokens, seen["rx"].ends) == (seen["lg"].tokens, seen["lg"].ends) == (5, 1)
    tags, metadata = seen["rx"].starts[0]
    assert tags == ["run-tag", "model-tag"]
    assert metadata["langgraph_node"] == "n"


def test_an_agent_with_a_langchain_model_streams_each_token_once() -> None:
    agent = rxagent.create_agent(LangChainModel(fake("one two")))
    items = list(agent.stream({"messages": [("user", "hi")]}, stream_mode="messages"))
    assert [chunk.text for chunk, _ in items] == ["one", " ", "two"]


def _chunks(model: Any) -> Iterator[str]:
    for chunk in model.stream([{"role": "user", "content": "hi"}]):
        yield chunk.text


def test_langchain_model_takes_langchain_inputs_outside_a_run() -> None:
    from rxagent.messages import HumanMessage

    assert "".join(_chunks(LangChainModel(fake("a b")))) == "a b"
    reply = LangChainModel(fake("c")).invoke([HumanMessage("hi"), ("ai", "yo"), "ok"])
    assert type(reply).__name__ == "AIMessage"
    assert reply.text == "c"
