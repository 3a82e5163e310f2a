"""Pages of the appeals app (诉求工单), one module per area: portal (我的诉求), workbench (the
department's queue and the ticket page), desk (the bureau's dispatch desk), entry (the clerk's
entry form), imports (the 12345 file upload), files (attachment downloads), actions (which
action forms a ticket page offers, and the service each one calls)."""
