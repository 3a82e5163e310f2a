"""Yiwang (一网): one platform for a county's online government services and unified governance."""

__version__ = "0.1.0"
