//! exhibit-hash (placeholder)
