"""The chart cache: pinned upstream chart archives, verified, and what they contain."""
