"""Call-ins (SPEC 4.5): intake from the telephony gateway and operators, screening,
caller privacy (a keyed hash at most, erased in time), online participation.

The phone number lives only in memory between the request and `phone.caller_hash`: it is
never stored, logged, shown or echoed in an error."""
