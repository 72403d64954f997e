"""The provisioning pipeline's read-model: step and outcome events, the sweeper, its metrics."""
