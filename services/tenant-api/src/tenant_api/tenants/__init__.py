"""Tenants: create, onboard, read, edit, and their lifecycle (suspend, reactivate, offboard)."""
