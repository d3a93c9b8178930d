"""LangChain callback handlers (LangSmith's tracer among them) see each chat-model run.

With `LANGSMITH_TRACING=true` in the environment, LangChain adds LangSmith's tracer itself;
here a handler of our own shows what a tracer receives. A fake model stands in for
`init_chat_model(...)`.
"""

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import GenericFakeChatModel

from rxagent import create_agent


class Tracer(BaseCallbackHandler):
    """Prints the start of each chat-model run, counts its tokens, prints its end."""

    tokens = 0

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        metadata = kwargs["metadata"]
        print("start:", kwargs["tags"], metadata["langgraph_node"], metadata["user"])

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.tokens += 1

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        print(f"end after {self.tokens} tokens:", response.generations[0][0].message.content)


agent = create_agent(GenericFakeChatModel(messages=iter(["Streams are events over time."])))
config = {"callbacks": [Tracer()], "tags": ["docs"], "metadata": {"user": "ada"}}
question = {"messages": [{"role": "user", "content": "What is a stream?"}]}
for token, _ in agent.stream(question, config, stream_mode="messages"):
    print(repr(token.text))
