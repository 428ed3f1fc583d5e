"""One module per API area; async methods only (the sync twins live in ``_sync``)."""
