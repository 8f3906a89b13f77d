"""Provider presets as data: base URLs, key variables, models, windows, prices.

Standard library only, so the names are exported directly: add a preset in `presets.py`.
"""

from llmchat.providers.presets import PRESETS, ModelInfo, Price, Provider, preset

__all__ = ["PRESETS", "ModelInfo", "Price", "Provider", "preset"]
