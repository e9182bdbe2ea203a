"""Built-in game profiles (YAML). Installed as ``arena.games``; see the README for the format."""
