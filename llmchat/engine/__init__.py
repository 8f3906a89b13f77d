"""The UI-free chat engine: sessions and turns, the conversation, tokens, context, cost."""
