//! State shared by every handler.

use std::sync::Arc;

use crate::auth::AdminToken;
use crate::control_plane::ControlPlane;

/// Handler state: the control plane and the administrator token.
#[derive(Clone)]
pub struct AppState {
    control: Arc<dyn ControlPlane>,
    admin_token: Arc<AdminToken>,
}

impl AppState {
    /// Creates the state over a control plane and the administrator token.
    pub fn new(control: Arc<dyn ControlPlane>, admin_token: AdminToken) -> AppState {
        AppState {
            control,
            admin_token: Arc::new(admin_token),
        }
    }

    /// Returns the control plane.
    pub fn control(&self) -> &dyn ControlPlane {
        self.control.as_ref()
    }

    /// Returns the administrator token.
    pub fn admin_token(&self) -> &AdminToken {
        &self.admin_token
    }
}
