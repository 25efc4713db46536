//! exhibit-custody (placeholder)
