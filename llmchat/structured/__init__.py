"""Structured answers: `--json` / `--schema` planned per provider, the answer checked;
stop, seed and `-n` carried to the request."""
