"""Chat models: the ``ChatModel`` protocol and the embedded ``ScriptedModel``.

Example:
    >>> from rxagent.models import ScriptedModel
    >>> ScriptedModel(["Hello there"]).invoke([]).content
    'Hello there'
"""

from rxagent.models._protocol import ChatModel, ModelInput, TracedModel
from rxagent.models._scripted import Latency, ScriptedError, ScriptedModel
from rxagent.models._sink import TokenSink, current_sink, label_tokens

__all__ = (
    "ChatModel",
    "Latency",
    "ModelInput",
    "ScriptedError",
    "ScriptedModel",
    "TokenSink",
    "TracedModel",
    "current_sink",
    "label_tokens",
)
