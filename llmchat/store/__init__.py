"""Saved chats on disk: records, writing, reading, export, and the session recorder."""
