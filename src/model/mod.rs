//! Pure code shared by the server and the browser: domain newtypes, validation and the DTOs that
//! server fns return.

pub mod account;
pub mod api_doc;
pub mod audit;
pub mod catalog;
pub mod checks;
pub mod delivery;
pub mod diff;
pub mod extension;
pub mod installation;
pub mod manifest;
pub mod notification;
pub mod organization;
pub mod package;
pub mod publisher;
pub mod review;
pub mod secret;
pub mod token;
pub mod unpack;
