"""Dispatch help (派单辅助): which department should handle a ticket (routing), which tickets are
likely the same appeal (duplicates), and merging a duplicate into the ticket it repeats.

`routing` and `text` are pure (no database); `selectors` builds the router from the
responsibility lists and the ticket history and keeps it per process; `services` holds the
writes (merge, responsibility list edits)."""
