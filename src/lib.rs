//! zpbg: facts → derived figures → score → narrative → Typst → PDF.

pub mod render;
pub mod report;
