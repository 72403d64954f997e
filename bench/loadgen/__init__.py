"""Load generators that run as their own process, away from the harness and the services."""
