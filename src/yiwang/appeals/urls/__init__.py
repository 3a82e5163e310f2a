"""Ticket URL modules, one per mount point."""
