"""The credential vault: sealed credentials of a tenant, written, read masked, revealed."""
