"""The docs' provider examples, run as users run them, against the local provider servers.

Each example reads its endpoint and key from the environment as the provider clients do
(``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL``...), which the tests point at the server.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tests.integrations.providers import _openai_server as openai
from tests.integrations.providers._servers import Reply, ScriptedServer
from tests.integrations.providers.test_anthropic import ANSWERS as ANTHROPIC_ANSWERS
from tests.integrations.providers.test_anthropic import ASKS_FOR_THE_TOOL as ANTHROPIC_ASKS
from tests.integrations.providers.test_openai import ANSWERS, ASKS_FOR_THE_TOOL

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"


def _run(name: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out.splitlines()


def test_models_openai(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script([ASKS_FOR_THE_TOOL, ANSWERS])
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    out = _run("models_openai.py", capsys)
    assert out[:4] == [
        "gpt-4.1-mini: 'Let'",
        "gpt-4.1-mini: ' me'",
        "gpt-4.1-mini: ' check.'",
        "model: calls get_weather({'city': 'Paris'})",
    ]
    assert "progress: Looking up Paris" in out
    assert out[-3:-1] == ["gpt-4.1-mini: 'It is'", "gpt-4.1-mini: ' sunny.'"]
    assert out[-1].startswith("usage: {'input_tokens': 40, 'output_tokens': 5")
    first, second = (request.body for request in server.requests)
    assert first["model"] == "gpt-4.1-mini"
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "tool"]


def test_models_anthropic(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script([ANTHROPIC_ASKS, ANTHROPIC_ANSWERS, ANTHROPIC_ASKS, ANTHROPIC_ANSWERS])
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    out = _run("models_anthropic.py", capsys)
    assert out[:3] == ["model: 'Let'", "model: ' me'", "model: ' check.'"]
    assert "tools: 'Sunny in Paris'" in out
    assert out[-2:] == ["['text', 'tool_use']", "It is sunny."]
    second = server.requests[1].body["messages"][1]
    assert [block["type"] for block in second["content"]] == ["text", "tool_use"]


def test_models_local(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script([Reply([*openai.text("Hello", "!"), openai.finish("stop"), openai.DONE])])
    monkeypatch.setenv("LOCAL_LLM_URL", f"{server.url}/v1")
    out = _run("models_local.py", capsys)
    assert out[:2] == ["openai/llama3.2: 'Hello'", "openai/llama3.2: '!'"]
    assert server.requests[0].body["model"] == "llama3.2"
