"""Practice: one participant rehearsing a scenario, one step at a time.

`Practice` (service.py) is what a channel calls, one user action per method and one
transaction each; it steps the pure engine (state/engine.py, which live rehearsals share)
over the run's data (`run_data`: the run state, what a participant sends and what comes
back). The rest is pure and works for the service and the engine: `prelude`, the steps
before the scene; `exposure`, the ratings and the comparison after an exposure run's
debrief; `attempts`, how this attempt compares with the last one; `progress`, what the runs
and turns add up to (/progress).

Nothing is re-exported here, and this file imports nothing: the engine loads `run_data`,
`prelude` and `exposure` while the store (which the service needs) is still loading, so a
module of this package is imported by its own name, `from state.practice.service import
Practice`, and loading the run's data loads no service and no database code.
"""
