"""The Typer app (`app.py`) and one module per subcommand's output.

Only the launcher imports this wing, and only for commands that need Typer."""
