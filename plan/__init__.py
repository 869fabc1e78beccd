"""Diff and plan: desired extensions vs current PBX state, as immutable data."""
