"""The name tenant-api signs its events with."""

PRODUCER = "tenant-api"
