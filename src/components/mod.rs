//! Reusable UI pieces.

pub mod auth;
pub mod card;
pub mod fields;
pub mod form;
pub mod layout;
pub mod status;
pub mod time;
pub mod upload;
