//! HTTP server of the Strongroom API v1.
