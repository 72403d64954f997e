"""The name every event this service publishes carries as its producer."""

PRODUCER = "provisioner"
