//! exhibit-case (placeholder)
