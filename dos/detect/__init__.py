"""Detection: alerting rules and detectors that turn signals into alerts."""
