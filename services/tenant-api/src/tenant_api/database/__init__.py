"""A tenant's database login: its connection kept in the vault, and its password rotated."""
