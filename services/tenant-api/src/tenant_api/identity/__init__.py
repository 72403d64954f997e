"""Identity: operators and tenants' users signing in through an OpenID Connect provider."""
