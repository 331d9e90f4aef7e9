//! Packages: reading uploaded archives safely (and, with the upload work, storing them and their
//! documents).

pub mod docs;
pub mod unpack;
