"""Bad-rating rectification (差评整改): every 差评 opens a task for the unit that handled it —
verify and call back (核实、回电), classify (属实 → rectify by the deadline; 无法律依据 → explain;
误评 / 恶意差评 → appeal to the bureau with evidence), follow up (回访: the citizen rates the
fix), close. Overdue tasks escalate to the department's administrators, then to the bureau.
docs/evaluations.md ("Rectification") describes the whole loop."""
