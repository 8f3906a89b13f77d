"""Roles: a named system prompt with defaults, from `<config dir>/roles/NAME.md` or built in.

Light on purpose (nothing imported here): the REPL's first prompt must not pay for it.
"""
