"""`python -m llmchat`: the same entry point as the `llmchat` script."""

from llmchat.launcher import main

if __name__ == "__main__":
    main()
