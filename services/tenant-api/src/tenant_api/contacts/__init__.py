"""A tenant's contacts: routes, use cases and their repository."""
