"""A tenant's initial API key: handed over sealed by the provisioner, read once, re-issued."""
