"""Settings: typed records, the config file and `.env`, precedence, the provider registry."""
