"""Every event about a tenant, recorded and read as its timeline."""
