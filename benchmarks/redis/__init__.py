"""The Redis benchmark: the run log and ``rxagent serve --redis`` beside the in-memory store."""
