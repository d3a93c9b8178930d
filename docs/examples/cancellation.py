"""A long sync tool that stops when its run is cancelled."""

import threading

from rxagent import ScriptedModel, create_agent, get_stream_writer, is_cancelled, tool
from rxagent.messages import AIMessage

stopped = threading.Event()


@tool
def crawl(pages: int) -> str:
    """Crawl pages until done or cancelled."""
    try:
        for page in range(pages):
            if is_cancelled():  # Python cannot stop a thread: the tool looks
                return "stopped"
            threading.Event().wait(0.001)  # fetch one page
            get_stream_writer()({"page": page})  # raises once the run is over
        return "done"
    finally:
        stopped.set()


model = ScriptedModel(
    [
        AIMessage(
            content="",
            tool_calls=[{"name": "crawl", "args": {"pages": 10_000}, "id": "call_1"}],
        ),
        AIMessage(content="Crawled."),
    ]
)
agent = create_agent(model=model, tools=[crawl])
inputs = {"messages": [{"role": "user", "content": "Crawl the site"}]}

if __name__ == "__main__":
    for progress in agent.stream(inputs, stream_mode="custom"):
        if progress["page"] == 3:
            break  # cancels the run; the loop returns without waiting for the thread
    print(f"stopped at page {progress['page']}")
    print(f"the tool noticed and returned: {stopped.wait(5)}")
