"""Routes grouped by audience: public, registrant, authority, regulator, health."""
