"""Poverty standards, the household register and the annual review (built by the household issue)."""
