"""The parking lot: dead letters collected from every service's DLQ, listed, resolved, replayed."""
