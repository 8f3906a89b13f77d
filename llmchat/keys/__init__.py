"""API keys: the key store (keyring or a 0600 file), key commands, and the key chain."""
