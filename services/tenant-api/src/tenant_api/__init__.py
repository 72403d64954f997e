"""tenant-api: the gateway every client enters through."""

# The name tenant-api signs its events with.
PRODUCER = "tenant-api"
