"""provisioner: runs the provisioning saga's steps for a tenant."""

# The name every event this service publishes carries as its producer.
PRODUCER = "provisioner"
