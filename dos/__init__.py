"""DOS: an incident-management core that detects, diagnoses and remediates.

DOS reads telemetry through the records in :mod:`dos.telemetry` and acts through the
:class:`dos.actions.Actuator` protocol, so it runs the same on the twin, on recorded
series and on a real cluster. Nothing here imports the twin.
"""

__version__ = "0.1.0"
