//! Durable store of desired state, status and events (SQLite).
