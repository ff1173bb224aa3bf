"""Job handlers by domain; importing this package registers them all."""
