"""Watching the live PBX: the registration audit, the monthly report, credential cards."""
