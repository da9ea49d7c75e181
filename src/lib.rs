//! zpbg: facts → derived figures → score → narrative → Typst → PDF.

pub mod annex;
pub mod batch;
pub mod check;
pub mod declared;
pub mod display;
pub mod error;
pub mod export;
pub mod expr;
pub mod facts;
pub mod figures;
pub mod framework;
pub mod glyphs;
pub mod init;
pub mod input;
pub mod narrative;
pub mod num;
pub mod numbers;
pub mod output;
pub mod pipeline;
pub mod problems;
pub mod profile;
pub mod render;
pub mod report;
pub mod rule;
pub mod sandbox;
pub mod scoring;
