//! Local engine: real containers on this host with an OCI runtime, conmon and CNI.
