"""The implementation behind ``qlara.webhooks``: parsing, tracking, receiving."""
