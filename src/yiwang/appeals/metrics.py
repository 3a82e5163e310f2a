"""Ticket figures (filled in below)."""
