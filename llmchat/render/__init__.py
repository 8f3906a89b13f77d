"""Drawing a streamed reply: live Markdown on a terminal, byte-exact text into a pipe."""
