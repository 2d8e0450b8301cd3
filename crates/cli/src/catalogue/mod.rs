//! Bulk work on the catalogue from the command line: `entry import` of a filled-in catalogue
//! template (政务信息资源目录编制表, XLSX or CSV) and `entry export` of the catalogue in the
//! same layout or as DCAT-AP JSON-LD.
//!
//! The template's columns and the rules that group item rows into entries are in
//! [`columns`]; `read` turns a file into rows of text, `parse` rows into entries that know
//! where each value came from, `import` checks and registers them; `write` lays entries out
//! again, `dcat` maps them to DCAT-AP, `export` drives both.

pub mod cells;
pub mod columns;
pub mod dcat;
pub mod example;
pub mod export;
pub mod import;
pub mod parse;
pub mod problem;
mod progress;
pub mod read;
pub mod write;

#[cfg(test)]
mod tests;
