"""Offboarding exports: tenant-api's records written out, the manifest, and their listing."""
