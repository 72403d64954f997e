"""The audit trail: every tenant's timeline entries, filtered, paged and exported."""
