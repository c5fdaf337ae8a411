"""The twin: a SimPy discrete-event model of a microservice system with injected faults."""
