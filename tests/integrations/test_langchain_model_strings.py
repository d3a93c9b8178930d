"""``create_agent`` takes LangChain chat models and LangChain's model strings."""

from __future__ import annotations

import importlib.util
import sys

import pytest

pytest.importorskip("langchain")
pytest.importorskip("langchain_openai")

from langchain_core.language_models import GenericFakeChatModel
from langchain_openai import ChatOpenAI

from rxagent import ScriptedModel, create_agent
from rxagent.agent import chat_model
from rxagent.integrations.langchain import LangChainModel


def test_a_model_string_becomes_langchains_chat_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    model = chat_model("openai:gpt-4.1-mini")
    assert isinstance(model, LangChainModel)
    assert isinstance(model.chat_model, ChatOpenAI)
    assert model.chat_model.model_name == "gpt-4.1-mini"
    assert model.ls_params()["ls_provider"] == "openai"
    create_agent("openai:gpt-4.1-mini")  # builds


def test_a_langchain_chat_model_is_wrapped() -> None:
    fake = GenericFakeChatModel(messages=iter(["Hello there"]))
    agent = create_agent(fake)
    reply = agent.invoke({"messages": [{"role": "user", "content": "hi"}]})["messages"][-1]
    assert reply.text == "Hello there"


def test_a_missing_provider_package_is_named() -> None:
    if importlib.util.find_spec("langchain_mistralai") is not None:
        pytest.skip("langchain-mistralai is installed here")
    with pytest.raises(ImportError, match=r"mistral-large.*pip install langchain-mistralai"):
        create_agent("mistralai:mistral-large")


def test_without_the_langchain_extra_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "langchain.chat_models", None)
    with pytest.raises(ImportError, match=r"pip install 'rxagent\[langchain\]'"):
        create_agent("openai:gpt-4.1-mini")


def test_an_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"Supported providers: .*openai"):
        create_agent("nonsense-model")


def test_anything_else_is_a_type_error_naming_the_choices() -> None:
    with pytest.raises(TypeError, match="LangChain model string"):
        create_agent(42)
    model = ScriptedModel(["hi"])
    assert chat_model(model) is model
