"""extctl: extensions as code for a PBX."""
