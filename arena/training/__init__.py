"""What every trainer shares beside its algorithm: the run's bookkeeping (:class:`TrainRun`:
the run folder, resumable checkpoints, the parameters ``--resume`` reads, seeding per
iteration, CSV logs) and the recipe a worker process rebuilds its env from
(:class:`EnvSetup`). A layer above the plugin host, which trainers are registered with."""
