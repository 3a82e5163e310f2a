"""Case pages, one module per area."""
