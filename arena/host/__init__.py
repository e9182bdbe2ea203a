"""The plugin host: hook specifications, the manager that loads plugins and owns their
names, agent entries, training runs and checkpoints, the shared click parameters.

May import play and the layers below it.
"""
