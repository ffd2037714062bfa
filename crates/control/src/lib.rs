//! Control plane: object service and the reconcile loop that drives an engine.
