"""Reports organisers hand to partners and donors: airtime (where and how long each
dialogue was carried) and call-ins (how many listeners spoke up, from where)."""
