//! The integration tests, one module per area, built as one test binary so
//! the library and its dependencies are linked once rather than per file.

mod harness;

mod basic_data;
mod batch;
mod check;
mod cli;
mod declared;
mod docx;
mod excel;
mod figures;
mod fonts;
mod golden;
mod hardening_files;
mod hardening_limits;
mod hardening_numbers;
mod hostile_batch;
mod hostile_input;
mod injection;
mod new_province;
mod outline;
mod page_breaks;
mod page_geometry;
mod previews;
mod projects;
mod review;
mod templates;
mod watch;
