"""What a question carries besides its text: `-f` / `/file` attachments and their fit."""
