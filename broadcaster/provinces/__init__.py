"""Province relays: the defaults, and the monitor that watches them while slots air
(relay polls and heartbeats -> carried segments per slot and province)."""
