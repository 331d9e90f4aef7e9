//! Packages: reading uploaded archives safely, and the documents they carry.

pub mod docs;
pub mod unpack;
