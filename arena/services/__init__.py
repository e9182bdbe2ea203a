"""The work each command does, as typed functions the command line and a web server both call.

A service takes typed arguments (resolved entries, the protocol's options, paths), does the
work, reports progress through a callback object and returns a typed result; it neither
parses arguments nor prints. ``arena.cli`` parses, calls the service and prints what the
callbacks and the result say.
"""
