"""Case URL modules, one per mount point."""
