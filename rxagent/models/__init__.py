"""Chat models: the ``ChatModel`` protocol and the embedded ``ScriptedModel``.

Example:
    >>> from rxagent.models import ScriptedModel
    >>> ScriptedModel(["Hello there"]).invoke([]).content
    'Hello there'
"""

from rxagent.models._protocol import ChatModel
from rxagent.models._scripted import Latency, ScriptedError, ScriptedModel

__all__ = ("ChatModel", "Latency", "ScriptedError", "ScriptedModel")
