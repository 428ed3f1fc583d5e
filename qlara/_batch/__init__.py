"""The bulk engine: ``send_many``, its input checks, journal, packs and blocking form.

From the caller down (each module imports only those after it): ``_sync``
and ``_feed`` (the blocking iterator, and its input read in the caller's
thread), ``_engine`` (``SendMany``, the async iterator: the caller's side),
``_rounds`` and ``_workers`` (the plain ``async for`` and the ``async with``
ways of sending), ``_packer``/``_pack`` (many SMS per request), ``_single``
(one input sent alone), ``_run`` (what a run's parts share), ``_source``
(reading the caller's messages), ``_outcomes`` (the outcomes the engine makes
itself: refused, unencodable, reconciled, cut off), ``_input`` (checking the
arguments and deriving ids), ``_journal`` (resumable runs), and ``_link`` (the
few functions of a client the engine is handed).
"""
