"""Provider presets as data: base URLs, key variables, models, windows, prices."""
