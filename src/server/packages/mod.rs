//! Packages: the documents they carry, and publishing them (the archive reader is in
//! `model::unpack`, shared with the browser).

pub mod docs;
pub mod pack;
pub mod publish;
