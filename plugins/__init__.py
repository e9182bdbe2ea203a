"""Built-in agent and game plugins. Installed as ``arena.plugins``; each module is registered
through the ``retro_arena`` entry-point group exactly as a third-party plugin would be."""
