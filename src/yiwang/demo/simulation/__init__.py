"""The simulated half year of the demo county (2026-01-01 .. 2026-06-30), `yiwang demo --simulate`.

Every record is made through the owning apps' services, one case at a time, with the services'
clock set to the simulated moment (clock.py), so deadlines come from workdays and every state
change has its case event and audit event. Deterministic for a seed: a random.Random(seed)
draws the plan (plan.py) in a fixed order, the population is looked up by natural keys
(population.py), and nothing reads the wall clock."""
