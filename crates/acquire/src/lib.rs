//! exhibit-acquire (placeholder)
