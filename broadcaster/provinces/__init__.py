"""Province relays: the defaults and, later, the monitors that watch them."""
