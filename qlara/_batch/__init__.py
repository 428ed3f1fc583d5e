"""The bulk engine: ``send_many``, its input checks, journal, packs and blocking form.

``_engine`` (``SendMany``, the async iterator), ``_input`` (checking and
reading the caller's messages), ``_outcomes`` (the outcomes the engine makes
itself: refused, unencodable, reconciled, cut off), ``_journal`` (resumable
runs), ``_pack``/``_packer`` (many SMS per request), ``_sync`` (the blocking
iterator), and ``_link`` (the few functions of a client the engine is handed).
"""
