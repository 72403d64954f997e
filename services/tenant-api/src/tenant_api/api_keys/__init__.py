"""A tenant's API keys: the initial key (handed over sealed by the provisioner, read once,
re-issued), keys made, rotated and revoked through the API, and their verification."""
