//! Command-line interface of Strongroom.
