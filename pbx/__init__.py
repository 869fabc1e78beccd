"""PBX targets: read the current state, apply a plan in one transaction."""
