"""Three agents merged into one stream, each event tagged with the agent it came from.

`merge(researcher=..., critic=..., writer=...)` runs the three agents at once and
prefixes the `ns` of every event with the source's name, so `event.ns[0]` tells which
agent spoke, and `filter_ns("critic")` would select one of them again.
Run it with `python docs/examples/pipeline_merge.py`.
"""

from rxagent import Latency, MessageEvent, ScriptedModel, create_agent, to_iter
from rxagent import operators as ops
from rxagent.graph import CompiledStateGraph
from rxagent.messages import AIMessageChunk


def scripted_agent(name: str, reply: str, per_token: float) -> CompiledStateGraph:
    """An agent whose model streams ``reply``, one word every ``per_token`` seconds."""
    latency = Latency(first_token=per_token, per_token=per_token)
    return create_agent(ScriptedModel([reply], latency=latency), name=name)


researcher = scripted_agent("researcher", "Three studies found churn peaks in month two.", 0.004)
critic = scripted_agent("critic", "Two of them sampled only small customers.", 0.005)
writer = scripted_agent("writer", "Churn peaks early, at least for small accounts.", 0.006)
inputs = {"messages": [{"role": "user", "content": "When do customers churn?"}]}


def main() -> None:
    """Print each token with its agent, then each agent's whole reply."""
    merged = ops.merge(
        researcher=researcher.observe(inputs),
        critic=critic.observe(inputs),
        writer=writer.observe(inputs),
    )
    replies: dict[str, str] = {}
    for event in to_iter(merged.pipe(ops.filter_mode("messages"))):
        token = event.data[0] if isinstance(event, MessageEvent) else None
        if isinstance(token, AIMessageChunk) and token.text:
            agent = event.ns[0]
            print(f"{agent:<10} | {token.text!r}")
            replies[agent] = replies.get(agent, "") + token.text
    for agent, reply in replies.items():
        print(f"{agent}: {reply}")


if __name__ == "__main__":
    main()
