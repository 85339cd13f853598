"""The core: what every app stands on and that knows no app.

The audit log, sync-run records, htmx helpers and the shared list component live
here, beside the Invoca client (``invoca_admin.invoca``). Nothing in the core
imports ``destinations``, ``ringpools`` or the wiring (settings, urls, the sync
orchestration); the import contract in pyproject.toml checks it.
"""
