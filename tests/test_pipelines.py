"""The Pipelines guide's recipes: each example prints what its recipe promises."""

from __future__ import annotations

import ast
import re
import runpy
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def run_example(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[list[str], dict[str, Any]]:
    """Run ``docs/examples/<name>.py`` as a script: its printed lines and its globals."""
    namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    return capsys.readouterr().out.splitlines(), namespace


def test_ui_stream_first_tokens_at_once_then_batches_and_the_final_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines, example = run_example("pipeline_ui", capsys)
    texts = [ast.literal_eval(m[1]) for line in lines if (m := re.search(r"s text +(.*)$", line))]
    progress = [m[1] for line in lines if (m := re.search(r"s progress (\d+/\d+)$", line))]
    assert "".join(texts) == "Reading the tickets." + example["ANSWER"]
    assert texts[0] == "Reading"  # the first token of each message is not batched...
    answer_starts = texts.index("Of")  # ...so the answer's first chunk is its first token
    assert "".join(texts[:answer_starts]) == "Reading the tickets."
    assert len(texts) < len(example["ANSWER"].split())  # later tokens come in batches
    assert progress[0] == "1/40"  # the first progress passes at once
    assert progress[-1] == "40/40"  # the final progress is never lost
    assert len(progress) < 40
    summary = f"{len(texts)} text chunks and {len(progress)} progress events reached the UI"
    assert lines[-1] == summary


def test_merge_tags_every_token_with_its_agent(capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = run_example("pipeline_merge", capsys)
    names = ("researcher", "critic", "writer")
    tokens: dict[str, str] = dict.fromkeys(names, "")
    for line in lines:
        if " | " in line:
            name, token = line.split(" | ", 1)
            tokens[name.strip()] += ast.literal_eval(token)
    replies = dict(line.split(": ", 1) for line in lines if " | " not in line)
    assert set(replies) == set(names)
    assert tokens == replies  # each agent's tokens, in order, are its whole reply
    assert replies["critic"] == "Two of them sampled only small customers."


def test_final_answer_prints_only_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = run_example("pipeline_final_answer", capsys)
    assert lines == ["It is sunny in Paris."]  # not "Let me check."


def test_tool_calls_are_parsed_from_streamed_chunks(capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = run_example("pipeline_tool_calls", capsys)
    chunks = [line for line in lines if line.startswith("chunk #")]
    assert len(chunks) == 4  # two pieces per call
    assert "chunk #0: name='search' args='{\"query\": '" in chunks
    assert "text: 'Searching and fetching.'" in lines
    assert lines[-2:] == [
        "tool call call_1: search({'query': 'churn by plan', 'limit': 5})",
        "tool call call_2: fetch_records({'count': 100})",
    ]


def test_slow_consumer_with_coalesce_loses_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = run_example("pipeline_slow_consumer", capsys)
    produced = re.fullmatch(r"produced: (\d+) token events, (\d+) progress events", lines[0])
    received = re.fullmatch(r"received: (\d+) token events, (\d+) progress events", lines[1])
    assert produced is not None
    assert received is not None
    assert int(produced[2]) == 100
    assert 0 < int(received[1]) < int(produced[1])  # tokens were joined while it lagged
    assert 0 < int(received[2]) <= int(produced[2])
    assert lines[2:] == ["updates:  3 of 3", "text intact: True", "last progress: 100/100"]
