"""An agent on a local OpenAI-compatible server: Ollama, vLLM, llama.cpp, LM Studio.

Ollama serves the OpenAI API at http://localhost:11434/v1 (vLLM at http://localhost:8000/v1).
"""

import os

from langchain_openai import ChatOpenAI

from rxagent import create_agent

local = ChatOpenAI(
    base_url=os.environ.get("LOCAL_LLM_URL", "http://localhost:11434/v1"),
    api_key="ollama",  # any non-empty key: the server ignores it
    model="llama3.2",
)
agent = create_agent(local)

question = {"messages": [{"role": "user", "content": "Say hello."}]}
for token, metadata in agent.stream(question, stream_mode="messages"):
    if token.text:
        print(f"{metadata['ls_provider']}/{metadata['ls_model_name']}: {token.text!r}")
