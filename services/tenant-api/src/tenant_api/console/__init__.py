"""The operators' console: a static single-page app served by the gateway."""
