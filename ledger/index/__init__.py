"""The event index: follows the chain, stores every event and the state it implies, answers queries."""
