"""The daemon: APScheduler wiring, reconciling with the database, pre-flight, leader lease."""
