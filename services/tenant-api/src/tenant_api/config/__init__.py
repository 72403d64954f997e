"""A tenant's config for its apps (context provider): routes, reads, the cache and generations."""
