"""Public HTTP bodies that several services speak (the gateway documents and validates them)."""
