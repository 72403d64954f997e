"""A tenant's config for its apps (context provider): `TenantConfigs` (the cached read, and why
it is never stale), its parts, the feature-flag write and the routes."""
