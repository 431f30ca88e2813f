//! (being built)

use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
}
