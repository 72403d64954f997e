"""The data-volume scenario: a year-old control plane's rows, seeded in SQL, and the reads and
saga statements that must not grow with them."""
