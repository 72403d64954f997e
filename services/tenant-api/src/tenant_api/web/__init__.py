"""What every feature's routes share: problem mapping, rate limits, cursors, patch bodies."""
