//! Typst rendering (placeholder, being written).
